import { randomInt } from 'node:crypto';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { MultiBar, Presets, type SingleBar } from 'cli-progress';
import { createPool, type Pool, type RowDataPacket } from 'mysql2/promise';
import { monotonicFactory } from 'ulid';
import { AppointmentStatus, pendingAppointment, type Appointment, type CountryISO } from '../../core/appointment';
import { DynamoDbAppointmentRepository } from '../../core/adapters/dynamodb-appointment-repository';
import { mysqlOptionsFromUrl } from '../../core/adapters/mysql-connection';
import { MysqlCountryAppointments } from '../../core/adapters/mysql-country-appointments';
import { countries } from '../../core/countries';
import { environment } from '../../core/environment';
import { countryRoute, topology } from '../../core/topology';
import { allDeployedFunctions } from '../../infra/bundling';
import { apiClient } from '../api-client';
import { appSyncEvent, eventBridgeDeliveryRecord, snsRawDeliveryRecord, sqsEvent } from '../lambda/aws-events';
import { localDynamoDbClient } from '../dynamodb/dynalite';
import { MYSQL_INSTALL_HINT } from '../mysql/mysql-server';
import { startLocalStack, type LocalStack } from '../stack';
import { bundleLikeTheStack, measureColdStart, type Bundle } from './cold-start';
import { percentile, runConcurrently } from '../load';

const { values: flags } = parseArgs({
  options: {
    appointments: { type: 'string', default: '2000' },
    clients: { type: 'string', default: '32' },
    'cold-runs': { type: 'string', default: '5' },
    out: { type: 'string', default: 'bench-results' },
  },
});
const N = Number(flags.appointments);
const C = Number(flags.clients);
const COLD_RUNS = Number(flags['cold-runs']);
const APPOINTMENTS_PER_INSURED = 20;
const countryOf = (index: number): CountryISO => (index % 2 ? 'CL' : 'PE');
const insuredOf = (index: number) => String(Math.floor(index / APPOINTMENTS_PER_INSURED)).padStart(5, '0');
// A slot is booked once, and a reused MySQL keeps earlier runs' bookings: each run and phase takes fresh slots.
const WARM_UP = 2 * C;
const slotsPerRun = WARM_UP + 2 * N;
const firstSlot = 1 + randomInt(0, Math.floor(2_000_000_000 / slotsPerRun)) * slotsPerRun;
const slotOf = { warmUp: (index: number) => firstSlot + index, pipeline: (index: number) => firstSlot + WARM_UP + index, floor: (index: number) => firstSlot + WARM_UP + N + index };

// Bars on a terminal; elsewhere (CI, a pipe) one line as each phase ends.
const bars = process.stderr.isTTY
  ? new MultiBar({ format: ' {phase} |{bar}| {value}/{total} {unit}', hideCursor: true, clearOnComplete: false }, Presets.shades_classic)
  : undefined;
interface Progress {
  increment(by?: number): void;
}
function bar(phase: string, total: number, unit: string): Progress {
  if (bars) {
    const shown: SingleBar = bars.create(total, 0, { phase: phase.padEnd(28), unit });
    return { increment: (by = 1) => shown.increment(by) };
  }
  let done = 0;
  const started = performance.now();
  return {
    increment: (by: number = 1) => {
      done += by;
      if (done >= total && done - by < total) process.stderr.write(`${phase}: ${done} ${unit} in ${((performance.now() - started) / 1000).toFixed(1)} s\n`);
    },
  };
}

async function main() {
  const stackBar = bar('starting the local stack', 1, 'step');
  // Function logs at WARN: locally each INFO line crosses from its worker thread to be dropped,
  // a cost Lambda (which ships logs outside the function) does not have.
  const stack = await startLocalStack({ quiet: true, env: { ...process.env, POWERTOOLS_LOG_LEVEL: process.env.POWERTOOLS_LOG_LEVEL ?? 'WARN' } });
  stackBar.increment();
  try {
    if (!stack.mysqlUrl) throw new Error(`The benchmark needs a real MySQL: ${MYSQL_INSTALL_HINT}.`);
    const pool = createPool(mysqlOptionsFromUrl(stack.mysqlUrl, C));
    try {
      const pipeline = await pipelinePhase(stack, pool);
      const floor = await floorPhase(stack, pool);
      const coldStarts = await coldStartPhase(stack, pipeline.samples);
      bars?.stop();
      await report({ pipeline, floor, coldStarts, startupMs: stack.startupMs });
    } finally {
      await pool.end();
    }
  } finally {
    bars?.stop();
    await stack.stop();
  }
}

async function mysqlInserts(pool: Pool): Promise<number> {
  const [[row]] = await pool.query<RowDataPacket[]>("SHOW GLOBAL STATUS LIKE 'Com_insert'");
  return Number(row?.['Value']);
}

/** N createAppointment calls over HTTP from C clients, then until every one reads COMPLETED. */
async function pipelinePhase(stack: LocalStack, pool: Pool) {
  const api = apiClient(stack);
  // Uncounted warm-up, as a fleet already serving traffic would be: the local stack starts one
  // sandbox per resolver, and a burst of C clients otherwise measures sandbox start-up in its p99.
  const warmBar = bar('warm-up (not counted)', WARM_UP, 'requests');
  await runConcurrently(WARM_UP, C, async (index) => void (await api.createAppointment({ insuredId: '99998', scheduleId: slotOf.warmUp(index), countryISO: countryOf(index) })), () => warmBar.increment());
  await stack.router.waitForIdle(60_000);
  const invocations = new Map<string, { count: number; records: number }>();
  stack.router.on('event', (event) => {
    if (event.type !== 'invocation-finished') return;
    const seen = invocations.get(event.queue) ?? { count: 0, records: 0 };
    invocations.set(event.queue, { count: seen.count + 1, records: seen.records + event.batchSize });
  });
  const insertsBefore = await mysqlInserts(pool);
  const dynamoBefore = new Map(stack.dynamodbOperations);

  const sendBar = bar('pipeline: createAppointment', N, 'accepted');
  const started = performance.now();
  const rejected: string[] = [];
  const samples = new Map<CountryISO, Appointment>();
  const latencies = await runConcurrently(
    N,
    C,
    async (index) => {
      const response = await api.createAppointment({ insuredId: insuredOf(index), scheduleId: slotOf.pipeline(index), countryISO: countryOf(index) });
      const created = response.data?.createAppointment;
      if (!created) rejected.push(JSON.stringify(response.errors));
      else if (!samples.has(created.countryISO)) samples.set(created.countryISO, created);
    },
    () => sendBar.increment(),
  );
  const acceptedMs = performance.now() - started;
  if (rejected.length) throw new Error(`${rejected.length} mutations were refused, e.g. ${rejected[0]}`);

  const insured = [...new Set(Array.from({ length: N }, (_, index) => insuredOf(index)))];
  const completeBar = bar('pipeline: reads COMPLETED', N, 'completed');
  let waiting = insured;
  const deadline = Date.now() + 180_000;
  while (waiting.length) {
    if (Date.now() > deadline) throw new Error(`${waiting.length} insured people still had PENDING appointments after 180 s`);
    const stillWaiting: string[] = [];
    await runConcurrently(waiting.length, C, async (index) => {
      const insuredId = waiting[index]!;
      const page = await api.appointments(insuredId, 100);
      const items = page.data?.appointments.items ?? [];
      const expected = Array.from({ length: N }, (_, i) => i).filter((i) => insuredOf(i) === insuredId).length;
      if (items.length === expected && items.every((item) => item.status === AppointmentStatus.COMPLETED)) completeBar.increment(expected);
      else stillWaiting.push(insuredId);
    });
    waiting = stillWaiting;
    if (waiting.length) await new Promise((done) => setTimeout(done, 100));
  }
  const completedMs = performance.now() - started;
  await stack.router.waitForIdle(30_000);

  const countryQueues = topology.countryRoutes.map((route) => route.queueName);
  const countryBatches = countryQueues.reduce((sum, queue) => sum + (invocations.get(queue)?.count ?? 0), 0);
  const confirmations = invocations.get(topology.confirmations.queueName) ?? { count: 0, records: 0 };
  const completionCalls = (['UpdateItem', 'GetItem'] as const).reduce(
    (sum, operation) => sum + (stack.dynamodbOperations.get(operation) ?? 0) - (dynamoBefore.get(operation) ?? 0),
    0,
  );
  return {
    samples,
    appointments: N,
    clients: C,
    mutationP50Ms: percentile(latencies, 50),
    mutationP95Ms: percentile(latencies, 95),
    mutationP99Ms: percentile(latencies, 99),
    acceptedPerSecond: N / (acceptedMs / 1000),
    endToEndSeconds: completedMs / 1000,
    endToEndPerSecond: N / (completedMs / 1000),
    countryWorkerBatches: countryBatches,
    countryWorkerMysqlInserts: (await mysqlInserts(pool)) - insertsBefore,
    completionWorkerBatches: confirmations.count,
    completionWorkerRecords: confirmations.records,
    completionWorkerDynamoDbCalls: completionCalls,
  };
}

/**
 * The same N appointments' bare storage work from the same C clients, through the very adapters
 * the functions use: the appointment's and its slot claim's conditional puts, one MySQL booking each
 * (no batching), conditional update.
 */
async function floorPhase(stack: LocalStack, pool: Pool) {
  const dynamo = localDynamoDbClient(stack.dynamodbEndpoint);
  const appointments = new DynamoDbAppointmentRepository(dynamo, stack.tableName);
  const countryStores = new Map(Object.values(countries).map((country) => [country.iso, new MysqlCountryAppointments(pool, country, 1)]));
  const nextId = monotonicFactory();
  const floorBar = bar('floor: storage only', N, 'stored');
  const started = performance.now();
  await runConcurrently(
    N,
    C,
    async (index) => {
      const appointment = pendingAppointment({ insuredId: insuredOf(index), scheduleId: slotOf.floor(index), countryISO: countryOf(index) }, nextId(), new Date());
      await appointments.create(appointment);
      await appointments.claimSlot(appointment);
      await countryStores.get(appointment.countryISO)!.book({ ...appointment, correlationId: 'bench-floor' });
      await appointments.changeStatus(appointment, { target: AppointmentStatus.COMPLETED, at: new Date() });
    },
    () => floorBar.increment(),
  );
  const elapsedMs = performance.now() - started;
  dynamo.destroy();
  return { appointments: N, clients: C, seconds: elapsedMs / 1000, perSecond: N / (elapsedMs / 1000) };
}

/** Each function bundled as the stack bundles it, loaded by a fresh node that answers one invocation against the local stores. */
async function coldStartPhase(stack: LocalStack, samples: ReadonlyMap<CountryISO, Appointment>) {
  const dir = await mkdtemp(join(tmpdir(), 'appointments-bench-'));
  try {
    const { functions, emptyHandler } = await bundleLikeTheStack(dir);
    const measured = functions.filter((bundle) => coldStartInvocation(bundle, stack, samples));
    const coldBar = bar('cold start: fresh node', (measured.length + 1) * COLD_RUNS, 'runs');
    const empty = await measureColdStart(emptyHandler, {}, {}, COLD_RUNS);
    coldBar.increment(COLD_RUNS);
    const rows = [];
    for (const bundle of functions) {
      const invocation = coldStartInvocation(bundle, stack, samples);
      const cold = invocation ? await measureColdStart(bundle, invocation.event, invocation.env, COLD_RUNS) : undefined;
      if (invocation) coldBar.increment(COLD_RUNS);
      rows.push({ function: bundle.id, bundleKB: bundle.bytes / 1024, coldStartMs: cold?.answerMs, loadMs: cold?.loadMs, ratioToEmpty: cold ? cold.answerMs / empty.answerMs : undefined });
    }
    return { runs: COLD_RUNS, emptyHandler: { bundleKB: emptyHandler.bytes / 1024, coldStartMs: empty.answerMs }, functions: rows };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** The event and environment one cold invocation of a bundle gets, as the local stack configures that function; none for functions the local stack does not run (the schema migration at deploy, the Cognito trigger). */
function coldStartInvocation(bundle: Bundle, stack: LocalStack, samples: ReadonlyMap<CountryISO, Appointment>): { event: unknown; env: Record<string, string> } | undefined {
  const local = [...stack.functions.values()].find((fn) => deployedIdOf(fn.definition) === bundle.id);
  if (!local) return undefined;
  const env = { ...local.definition.environment };
  // An appointment the pipeline phase completed: the workers meet it again, as on a redelivery.
  const sample = samples.get((env[environment.countryISO] ?? 'PE') as CountryISO);
  if (!sample) return undefined;
  const { countryISO } = sample;
  const request = { appointmentId: sample.appointmentId, insuredId: sample.insuredId, scheduleId: sample.scheduleId, countryISO, correlationId: 'cold-start' };
  const events: Record<string, unknown> = {
    'resolvers/Mutation.createAppointment.ts': appSyncEvent('Mutation', 'createAppointment', { input: { insuredId: '99999', scheduleId: firstSlot, countryISO: 'PE' } }),
    // Cancelling the sample again after the first run answers CANCELLED and re-sends the cancellation, as a client's retry does.
    'resolvers/Mutation.cancelAppointment.ts': appSyncEvent('Mutation', 'cancelAppointment', { insuredId: request.insuredId, appointmentId: request.appointmentId }),
    'resolvers/Query.appointments.ts': appSyncEvent('Query', 'appointments', { insuredId: request.insuredId }),
    'resolvers/Subscription.onAppointmentStatusChanged.ts': appSyncEvent('Subscription', 'onAppointmentStatusChanged', { insuredId: request.insuredId }),
    'workers/countryWorker.ts': sqsEvent(
      snsRawDeliveryRecord(
        { Message: JSON.stringify({ ...request, createdAt: sample.createdAt }), MessageAttributes: { [topology.appointmentRequests.routingAttribute]: { DataType: 'String', StringValue: countryISO } } },
        countryRoute(countryISO).queueName,
      ),
    ),
    'workers/completionWorker.ts': sqsEvent(
      eventBridgeDeliveryRecord(
        {
          Source: topology.countryOutcomes.source,
          DetailType: 'AppointmentScheduled',
          Detail: JSON.stringify({ ...request, scheduledAt: new Date().toISOString() }),
        },
        topology.confirmations.queueName,
      ),
    ),
  };
  return { event: events[local.definition.entry], env };
}

/** The construct id infra/bundling.ts gives the function the local stack runs from this entry. */
function deployedIdOf(definition: { entry: string; environment: Readonly<Record<string, string>> }): string | undefined {
  const countryISO = definition.environment[environment.countryISO];
  return allDeployedFunctions.find((fn) => fn.entry === definition.entry && (!countryISO || fn.id.endsWith(`-${countryISO}`)))?.id;
}

type Results = {
  startupMs: number;
  pipeline: Awaited<ReturnType<typeof pipelinePhase>>;
  floor: Awaited<ReturnType<typeof floorPhase>>;
  coldStarts: Awaited<ReturnType<typeof coldStartPhase>>;
};

/** One table on stdout, the same figures in a JSON file. */
async function report({ startupMs, pipeline, floor, coldStarts }: Results) {
  const { samples: _samples, ...pipelineFigures } = pipeline;
  const figures = {
    measuredAt: new Date().toISOString(),
    machine: { cpus: (await import('node:os')).cpus().length, node: process.version },
    localStackStartupMs: startupMs,
    pipeline: pipelineFigures,
    floor,
    ratios: {
      endToEndToFloor: pipeline.endToEndPerSecond / floor.perSecond,
      mutationP99ToP50: pipeline.mutationP99Ms / pipeline.mutationP50Ms,
      mysqlInsertsPerCountryBatch: pipeline.countryWorkerMysqlInserts / pipeline.countryWorkerBatches,
      dynamoDbCallsPerCompletionBatch: pipeline.completionWorkerDynamoDbCalls / pipeline.completionWorkerBatches,
    },
    coldStarts,
  };
  const fixed = (value: number | undefined, digits = 1) => (value === undefined || Number.isNaN(value) ? 'n/a' : value.toFixed(digits));
  const rows: [string, string, string][] = [
    ['appointments / clients', `${N} / ${C}`, ''],
    ['mutation latency p50 / p95 / p99', `${fixed(pipeline.mutationP50Ms)} / ${fixed(pipeline.mutationP95Ms)} / ${fixed(pipeline.mutationP99Ms)} ms`, `p99/p50 ${fixed(figures.ratios.mutationP99ToP50, 2)} (target < 4)`],
    ['accepted per second', fixed(pipeline.acceptedPerSecond), ''],
    ['end to end (all COMPLETED)', `${fixed(pipeline.endToEndSeconds, 2)} s, ${fixed(pipeline.endToEndPerSecond)}/s`, `pipeline/floor ${fixed(figures.ratios.endToEndToFloor, 2)} (target >= 0.5)`],
    ['floor (put + insert + update)', `${fixed(floor.seconds, 2)} s, ${fixed(floor.perSecond)}/s`, ''],
    ['country worker batches / MySQL INSERTs', `${pipeline.countryWorkerBatches} / ${pipeline.countryWorkerMysqlInserts}`, `${fixed(figures.ratios.mysqlInsertsPerCountryBatch, 2)} INSERT per batch (target 1)`],
    ['completion batches / records / DynamoDB calls', `${pipeline.completionWorkerBatches} / ${pipeline.completionWorkerRecords} / ${pipeline.completionWorkerDynamoDbCalls}`, `${fixed(figures.ratios.dynamoDbCallsPerCompletionBatch, 2)} calls per batch`],
    ['empty handler: bundle, cold start', `${fixed(coldStarts.emptyHandler.bundleKB)} KB, ${fixed(coldStarts.emptyHandler.coldStartMs)} ms`, `median of ${coldStarts.runs}`],
    ...coldStarts.functions.map((fn): [string, string, string] => [
      `${fn.function}: bundle, cold start`,
      `${fixed(fn.bundleKB)} KB, ${fn.coldStartMs === undefined ? 'not invoked (the local stack does not run it: a deploy-time or Cognito function)' : `${fixed(fn.coldStartMs)} ms`}`,
      `${fn.bundleKB < 500 ? 'under' : 'OVER'} 500 KB${fn.ratioToEmpty === undefined ? '' : `; ${fixed(fn.ratioToEmpty, 2)}x empty (target < 3)`}`,
    ]),
  ];
  const width = (column: 0 | 1) => Math.max(...rows.map((row) => row[column].length));
  process.stdout.write(`\n| ${'figure'.padEnd(width(0))} | ${'value'.padEnd(width(1))} | against its target |\n|${'-'.repeat(width(0) + 2)}|${'-'.repeat(width(1) + 2)}|---|\n`);
  for (const [name, value, note] of rows) process.stdout.write(`| ${name.padEnd(width(0))} | ${value.padEnd(width(1))} | ${note} |\n`);
  const outDir = resolve(flags.out);
  await mkdir(outDir, { recursive: true });
  const file = join(outDir, `bench-${figures.measuredAt.replace(/[:.]/g, '-')}.json`);
  await writeFile(file, `${JSON.stringify(figures, null, 2)}\n`);
  process.stdout.write(`\nFigures written to ${file}\n`);
}

main().catch((error: unknown) => {
  bars?.stop();
  process.stderr.write(`Benchmark failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exitCode = 1;
});
