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
import { topology } from '../../core/topology';
import { apiClient } from '../api-client';
import { LOCAL_REGION, localDynamoDbClient } from '../dynamodb/dynalite';
import { MYSQL_INSTALL_HINT } from '../mysql/mysql-server';
import { startLocalStack, type LocalStack } from '../stack';
import { coldInvocation } from './cold-invocations';
import { bundleLikeTheStack, measureColdInvocation, measureFreshLoad } from './cold-start';
import { percentile, runConcurrently } from '../load';

const { values: flags } = parseArgs({
  options: {
    appointments: { type: 'string', default: '2000' },
    clients: { type: 'string', default: '32' },
    'cold-runs': { type: 'string', default: '7' },
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

/**
 * Counts the queries the country workers send (one per round trip: a multi-statement query is
 * one entry) through MySQL's general log, kept in a table for the pipeline phase only. A server
 * that refuses to turn it on (no privilege) gives undefined: the figure is then not measured.
 */
async function countryQueryLog(pool: Pool): Promise<{ stop(): Promise<number | undefined> }> {
  try {
    await pool.query("SET GLOBAL log_output = 'TABLE'");
    await pool.query('TRUNCATE TABLE mysql.general_log');
    await pool.query("SET GLOBAL general_log = 'ON'");
  } catch {
    return { stop: () => Promise.resolve(undefined) };
  }
  return {
    stop: async () => {
      await pool.query("SET GLOBAL general_log = 'OFF'");
      const tables = Object.values(countries).map((country) => `%${country.mysqlSchema}%`);
      const [[row]] = await pool.query<RowDataPacket[]>(
        `SELECT COUNT(*) AS queries FROM mysql.general_log WHERE command_type = 'Query' AND (${tables.map(() => 'CONVERT(argument USING utf8mb4) LIKE ?').join(' OR ')})`,
        tables,
      );
      await pool.query('TRUNCATE TABLE mysql.general_log');
      return Number(row?.['queries']);
    },
  };
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
  const queryLog = await countryQueryLog(pool);
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
    countryWorkerMysqlQueries: await queryLog.stop(),
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

/**
 * Each function bundled as the stack bundles it: its size, its fresh load next to the bare load of
 * the SDK packages it uses (in turn, in fresh nodes), and, for the functions the local stack runs,
 * a fresh node answering one invocation against the local stores.
 */
async function coldStartPhase(stack: LocalStack, samples: ReadonlyMap<CountryISO, Appointment>) {
  const dir = await mkdtemp(join(tmpdir(), 'appointments-bench-'));
  try {
    const bundles = await bundleLikeTheStack(dir);
    const coldBar = bar('fresh loads: fresh node', bundles.length, 'functions');
    const rows = [];
    for (const bundle of bundles) {
      const invocation = coldInvocation(bundle, stack, samples, firstSlot);
      const env = invocation?.env ?? { AWS_REGION: LOCAL_REGION };
      const load = await measureFreshLoad(bundle, env, COLD_RUNS);
      const coldStartMs = invocation ? await measureColdInvocation(bundle, invocation.event, invocation.env, COLD_RUNS) : undefined;
      rows.push({ function: bundle.id, bundleKB: bundle.bytes / 1024, sdkPackages: bundle.sdkPackages, ...load, loadToBareSdk: load.loadMs / load.bareSdkLoadMs, coldStartMs });
      coldBar.increment();
    }
    return { runs: COLD_RUNS, functions: rows };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

type Results = {
  startupMs: number;
  pipeline: Awaited<ReturnType<typeof pipelinePhase>>;
  floor: Awaited<ReturnType<typeof floorPhase>>;
  coldStarts: Awaited<ReturnType<typeof coldStartPhase>>;
};

/** The targets issue 13 sets; each figure is printed beside its own. */
const targets = {
  mutationP99ToP50: 4,
  endToEndToFloor: 0.5,
  mysqlQueriesPerCountryBatch: 1,
  dynamoDbCallsPerCompletionRecord: 1,
  bundleKB: 500,
  loadToBareSdk: 1.3,
};

interface Row {
  readonly figure: string;
  readonly value: string;
  readonly target: string;
  /** Undefined for a figure with no target of its own, or one not measured. */
  readonly met?: boolean;
}

/** One table on stdout, the same rows and the raw figures in a JSON file. */
async function report({ startupMs, pipeline, floor, coldStarts }: Results) {
  const { samples: _samples, ...pipelineFigures } = pipeline;
  const fixed = (value: number | undefined, digits = 1) => (value === undefined || Number.isNaN(value) ? 'n/a' : value.toFixed(digits));
  const p99ToP50 = pipeline.mutationP99Ms / pipeline.mutationP50Ms;
  const endToEndToFloor = pipeline.endToEndPerSecond / floor.perSecond;
  const queriesPerBatch = pipeline.countryWorkerMysqlQueries === undefined ? undefined : pipeline.countryWorkerMysqlQueries / pipeline.countryWorkerBatches;
  const callsPerRecord = pipeline.completionWorkerDynamoDbCalls / pipeline.completionWorkerRecords;
  const rows: Row[] = [
    { figure: 'appointments / clients', value: `${N} / ${C}`, target: '' },
    {
      figure: 'mutation latency p50 / p95 / p99',
      value: `${fixed(pipeline.mutationP50Ms)} / ${fixed(pipeline.mutationP95Ms)} / ${fixed(pipeline.mutationP99Ms)} ms (p99 ${fixed(p99ToP50, 2)} x p50)`,
      target: `p99 < ${targets.mutationP99ToP50} x p50`,
      met: p99ToP50 < targets.mutationP99ToP50,
    },
    { figure: 'accepted per second', value: fixed(pipeline.acceptedPerSecond), target: '' },
    {
      figure: 'end to end (all COMPLETED)',
      value: `${fixed(pipeline.endToEndSeconds, 2)} s, ${fixed(pipeline.endToEndPerSecond)}/s (${fixed(endToEndToFloor, 2)} x floor)`,
      target: `>= ${targets.endToEndToFloor} x floor`,
      met: endToEndToFloor >= targets.endToEndToFloor,
    },
    { figure: 'floor (puts + MySQL insert + update)', value: `${fixed(floor.seconds, 2)} s, ${fixed(floor.perSecond)}/s`, target: 'the yardstick' },
    {
      figure: 'country worker batches / MySQL queries',
      value: `${pipeline.countryWorkerBatches} / ${pipeline.countryWorkerMysqlQueries ?? 'not measured (the general log needs SUPER)'}`,
      target: `${targets.mysqlQueriesPerCountryBatch} round trip per batch`,
      ...(queriesPerBatch === undefined ? {} : { met: queriesPerBatch === targets.mysqlQueriesPerCountryBatch }),
    },
    {
      figure: 'completion records / DynamoDB calls',
      value: `${pipeline.completionWorkerRecords} / ${pipeline.completionWorkerDynamoDbCalls} (in ${pipeline.completionWorkerBatches} batches)`,
      target: `${targets.dynamoDbCallsPerCompletionRecord} call per record`,
      met: callsPerRecord === targets.dynamoDbCallsPerCompletionRecord,
    },
    ...coldStarts.functions.flatMap((fn): Row[] => [
      { figure: `${fn.function}: bundle`, value: `${fixed(fn.bundleKB)} KB`, target: `<= ${targets.bundleKB} KB`, met: fn.bundleKB <= targets.bundleKB },
      {
        figure: `${fn.function}: fresh load`,
        value: `${fixed(fn.loadMs)} ms, bare SDK ${fixed(fn.bareSdkLoadMs)} ms (${fn.sdkPackages.join(', ') || 'none'}): ${fixed(fn.loadToBareSdk, 2)} x${fn.coldStartMs === undefined ? '' : `; answers cold in ${fixed(fn.coldStartMs)} ms`}`,
        target: `<= ${targets.loadToBareSdk} x bare SDK`,
        met: fn.loadToBareSdk <= targets.loadToBareSdk,
      },
    ]),
  ];
  const verdict = (row: Row) => (row.met === undefined ? '' : row.met ? 'met' : 'NOT met');
  const table: [string, string, string, string][] = [['figure', 'value', 'target', 'met'], ...rows.map((row): [string, string, string, string] => [row.figure, row.value, row.target, verdict(row)])];
  const width = (column: number) => Math.max(...table.map((row) => row[column]!.length));
  const line = (cells: readonly string[]) => `| ${cells.map((cell, column) => cell.padEnd(width(column))).join(' | ')} |\n`;
  process.stdout.write(`\n${line(table[0]!)}|${table[0]!.map((_, column) => '-'.repeat(width(column) + 2)).join('|')}|\n${table.slice(1).map(line).join('')}`);
  process.stdout.write(`Fresh loads: median of ${coldStarts.runs} fresh nodes each, ms from the process's start until the module is loaded.\n`);

  const measuredAt = new Date().toISOString();
  const figures = {
    measuredAt,
    machine: { cpus: (await import('node:os')).cpus().length, node: process.version },
    localStackStartupMs: startupMs,
    targets,
    rows,
    pipeline: pipelineFigures,
    floor,
    coldStarts,
  };
  const outDir = resolve(flags.out);
  await mkdir(outDir, { recursive: true });
  const file = join(outDir, `bench-${measuredAt.replace(/[:.]/g, '-')}.json`);
  await writeFile(file, `${JSON.stringify(figures, null, 2)}\n`);
  process.stdout.write(`\nFigures written to ${file}\n`);
}

main().catch((error: unknown) => {
  bars?.stop();
  process.stderr.write(`Benchmark failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exitCode = 1;
});
