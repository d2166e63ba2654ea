import { randomInt } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { MultiBar, Presets, type SingleBar } from 'cli-progress';
import { createPool, type Pool, type RowDataPacket } from 'mysql2/promise';
import { monotonicFactory } from 'ulid';
import { AppointmentStatus, pendingAppointment, type Appointment, type CountryISO } from '../../core/domain/appointment';
import { DynamoDbAppointmentRepository } from '../../core/adapters/dynamodb-appointment-repository';
import { mysqlOptionsFromUrl } from '../../core/adapters/mysql-connection';
import { MysqlCountryAppointments } from '../../core/adapters/mysql-country-appointments';
import { postKeptAlive } from '../../core/adapters/kept-alive-post';
import { countries } from '../../core/domain/countries';
import { topology } from '../../core/config/topology';
import { apiClient } from '../api-client';
import { LOCAL_REGION, localDynamoDbClient } from '../dynamodb/dynalite';
import { MYSQL_INSTALL_HINT } from '../mysql/mysql-server';
import { startLocalStack, type LocalStack } from '../stack';
import { coldInvocation } from './cold-invocations';
import { bundleLikeTheStack, measureColdInvocation, measureFreshLoad } from './cold-start';
import { cpuSpent, cpuTime, localMysqlPid } from './cpu-time';
import { inClientThread, listenForDecisions, type IdleFigures, type OfferedFigures } from './heard-decision';
import { percentile, runConcurrently } from '../load';
import { printTable, reportRows, writeFigures } from './report';

const { values: flags } = parseArgs({
  options: {
    appointments: { type: 'string', default: '2000' },
    clients: { type: 'string', default: '32' },
    'cold-runs': { type: 'string', default: '7' },
    idle: { type: 'string', default: '200' },
    rate: { type: 'string', default: '100' },
    seconds: { type: 'string', default: '20' },
    'loaded-clients': { type: 'string', default: '200' },
    'floor-runs': { type: 'string', default: '3' },
    out: { type: 'string', default: 'bench-results' },
  },
});
const N = Number(flags.appointments);
const C = Number(flags.clients);
const COLD_RUNS = Number(flags['cold-runs']);
const IDLE = Number(flags.idle);
const RATE = Number(flags.rate);
const LOADED = Math.round(RATE * Number(flags.seconds));
const LOADED_CLIENTS = Number(flags['loaded-clients']);
const FLOOR_RUNS = Number(flags['floor-runs']);
const APPOINTMENTS_PER_INSURED = 20;
const countryOf = (index: number): CountryISO => (index % 2 ? 'CL' : 'PE');
const insuredOf = (index: number) => String(Math.floor(index / APPOINTMENTS_PER_INSURED)).padStart(5, '0');
/** Insured people of their own for the latency phases, so no phase hears another's decisions. */
const IDLE_INSURED = '80000';
const loadedInsuredOf = (index: number) => String(70_000 + (index % LOADED_CLIENTS)).padStart(5, '0');
// A slot is booked once, and a reused MySQL keeps earlier runs' bookings: each run and phase takes fresh slots.
const WARM_UP = 2 * C;
const slotsPerRun = WARM_UP + IDLE + LOADED + (1 + FLOOR_RUNS) * N;
const firstSlot = 1 + randomInt(0, Math.floor(2_000_000_000 / slotsPerRun)) * slotsPerRun;
const slotOf = {
  warmUp: (index: number) => firstSlot + index,
  idle: (index: number) => firstSlot + WARM_UP + index,
  loaded: (index: number) => firstSlot + WARM_UP + IDLE + index,
  pipeline: (index: number) => firstSlot + WARM_UP + IDLE + LOADED + index,
  floor: (run: number, index: number) => firstSlot + WARM_UP + IDLE + LOADED + (1 + run) * N + index,
};

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
      if (done >= total && done - by < total)
        process.stderr.write(`${phase}: ${done} ${unit} in ${((performance.now() - started) / 1000).toFixed(1)} s\n`);
    },
  };
}

async function main() {
  const stackBar = bar('starting the local stack', 1, 'step');
  // Function logs at WARN and no metric lines: locally each INFO or EMF line crosses from its worker
  // thread to be dropped, a cost Lambda (which ships stdout outside the function) does not have.
  const stack = await startLocalStack({
    quiet: true,
    env: {
      ...process.env,
      POWERTOOLS_LOG_LEVEL: process.env.POWERTOOLS_LOG_LEVEL ?? 'WARN',
      POWERTOOLS_METRICS_DISABLED: process.env.POWERTOOLS_METRICS_DISABLED ?? 'true',
    },
  });
  stackBar.increment();
  try {
    if (!stack.mysqlUrl) throw new Error(`The benchmark needs a real MySQL: ${MYSQL_INSTALL_HINT}.`);
    const pool = createPool(mysqlOptionsFromUrl(stack.mysqlUrl, C));
    try {
      await warmUp(stack);
      const heardDecision = await heardDecisionPhases(stack);
      const pipeline = await pipelinePhase(stack, pool);
      const floor = await floorPhase(stack, pool);
      const coldStarts = COLD_RUNS > 0 ? await coldStartPhase(stack, pipeline.samples) : undefined;
      bars?.stop();
      await report({ heardDecision, pipeline, floor, coldStarts, startupMs: stack.startupMs });
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

/**
 * Uncounted, as a fleet already serving traffic would be: the local stack starts one sandbox per
 * resolver, and a burst of C clients otherwise measures sandbox start-up in its p99.
 */
async function warmUp(stack: LocalStack) {
  const api = apiClient(stack, { post: postKeptAlive });
  const warmBar = bar('warm-up (not counted)', WARM_UP, 'requests');
  await runConcurrently(
    WARM_UP,
    C,
    async (index) =>
      void (await api.createAppointment({ insuredId: '99998', scheduleId: slotOf.warmUp(index), countryISO: countryOf(index) })),
    () => warmBar.increment(),
  );
  await stack.router.waitForIdle(60_000);
}

/**
 * The latency people feel, from sending createAppointment to hearing the decision on the
 * subscription: idle (one booking at a time), then loaded (RATE a second for the given seconds,
 * from LOADED_CLIENTS clients, each its own insured person on its own connection).
 */
async function heardDecisionPhases(stack: LocalStack) {
  const idleBar = bar('idle: one booking at a time', IDLE, 'heard');
  const idle = await inClientThread<IdleFigures>(
    {
      endpoint: stack,
      insuredIds: [IDLE_INSURED],
      bookings: Array.from({ length: IDLE }, (_, index) => ({
        insuredId: IDLE_INSURED,
        scheduleId: slotOf.idle(index),
        countryISO: countryOf(index),
      })),
    },
    (progress) => progress === 'done' && idleBar.increment(),
  );
  await stack.router.waitForIdle(60_000);

  const clients = Math.min(LOADED_CLIENTS, LOADED);
  const subscribeBar = bar(`loaded: ${clients} clients subscribing`, 1, 'step');
  const loadedBar = bar(`loaded: ${RATE}/s offered`, LOADED, 'heard');
  const mysqlPid = stack.mysqlUrl ? localMysqlPid(stack.mysqlUrl) : undefined;
  // Measured from the first booking: subscribing is not part of the load.
  let [cpuBefore, started, mainThreadBefore] = [cpuTime(mysqlPid), performance.now(), performance.eventLoopUtilization()];
  const loaded = await inClientThread<OfferedFigures>(
    {
      endpoint: stack,
      insuredIds: Array.from({ length: clients }, (_, index) => loadedInsuredOf(index)),
      bookings: Array.from({ length: LOADED }, (_, index) => ({
        insuredId: loadedInsuredOf(index),
        scheduleId: slotOf.loaded(index),
        countryISO: countryOf(index),
      })),
      perSecond: RATE,
    },
    (progress) => {
      if (progress === 'done') return loadedBar.increment();
      subscribeBar.increment();
      [cpuBefore, started, mainThreadBefore] = [cpuTime(mysqlPid), performance.now(), performance.eventLoopUtilization()];
    },
  );
  await stack.router.waitForIdle(60_000);
  const cpu = cpuSpent(cpuBefore, cpuTime(mysqlPid));
  // The main thread serves the API, DynamoDB, SNS / EventBridge and the realtime pushes, one thing at a time.
  const mainThreadBusy = performance.eventLoopUtilization(mainThreadBefore).utilization;
  const seconds = (performance.now() - started) / 1000;
  return {
    idle,
    loaded: {
      ...loaded,
      clients,
      connections: clients,
      seconds,
      // Everything on this machine shares its cores: the stack, the bench's clients and MySQL.
      cpuMsPerBooking: {
        process: cpu.processMs / loaded.booked,
        mainThread: cpu.mainThreadMs === undefined ? undefined : cpu.mainThreadMs / loaded.booked,
        clientThread: loaded.clientThreadCpuMs === undefined ? undefined : loaded.clientThreadCpuMs / loaded.booked,
        mysql: cpu.mysqlMs === undefined ? undefined : cpu.mysqlMs / loaded.booked,
      },
      coresBusy: { process: cpu.processMs / 1000 / seconds, mysql: cpu.mysqlMs === undefined ? undefined : cpu.mysqlMs / 1000 / seconds },
      mainThreadBusy,
    },
  };
}

/** N createAppointment calls over HTTP from C clients, then until each decision is heard on its insured person's subscription. */
async function pipelinePhase(stack: LocalStack, pool: Pool) {
  const api = apiClient(stack, { post: postKeptAlive });
  const insured = [...new Set(Array.from({ length: N }, (_, index) => insuredOf(index)))];
  const listeners = await listenForDecisions(stack, insured);
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
  const accepted: string[] = [];
  const samples = new Map<CountryISO, Appointment>();
  const latencies = await runConcurrently(
    N,
    C,
    async (index) => {
      const response = await api.createAppointment({
        insuredId: insuredOf(index),
        scheduleId: slotOf.pipeline(index),
        countryISO: countryOf(index),
      });
      const created = response.data?.createAppointment;
      if (!created) return void rejected.push(JSON.stringify(response.errors));
      accepted.push(created.appointmentId);
      if (!samples.has(created.countryISO)) samples.set(created.countryISO, created);
    },
    () => sendBar.increment(),
  );
  const acceptedMs = performance.now() - started;
  if (rejected.length) throw new Error(`${rejected.length} mutations were refused, e.g. ${rejected[0]}`);

  const completeBar = bar('pipeline: decisions heard', N, 'heard');
  const heard = await Promise.all(
    accepted.map((appointmentId) => listeners.decisions.decisionOn(appointmentId, 180_000).finally(() => completeBar.increment())),
  );
  await listeners.close();
  const missing = heard.filter((at) => at === undefined).length;
  if (missing) throw new Error(`${missing} of ${N} decisions were not heard within 180 s; queues: ${JSON.stringify(stack.router.stats())}`);
  const completedMs = Math.max(...heard.map((at) => at ?? NaN)) - started;
  await stack.router.waitForIdle(30_000);

  const countryQueues = topology.countryRoutes.map((route) => route.queueName);
  const countryBatches = countryQueues.reduce((sum, queue) => sum + (invocations.get(queue)?.count ?? 0), 0);
  const confirmations = invocations.get(topology.confirmations.queueName) ?? { count: 0, records: 0 };
  // The completion worker's own calls (the notification worker's idempotency records are not its), keyed by its
  // SDK app id, the function's name (to which Powertools appends its own user-agent mark).
  const completionWorkerName = basename(topology.confirmations.consumer.entry, '.ts');
  const byCompletionWorker = (key: string) => key.startsWith(completionWorkerName) && / (UpdateItem|GetItem)$/.test(key);
  const completionCalls = [...stack.dynamodbOperations.keys()]
    .filter(byCompletionWorker)
    .reduce((sum, key) => sum + (stack.dynamodbOperations.get(key) ?? 0) - (dynamoBefore.get(key) ?? 0), 0);
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
 * The storage work the pipeline must do for N appointments, batched as the pipeline may batch it and
 * no more: each appointment's two conditional puts (the resolver: one request per booking), one MySQL
 * round trip per country batch of `batchSize` (the country worker's adapter), one conditional update
 * per appointment (the completion worker: BatchWriteItem takes no conditions). Batches of one country
 * run C / batchSize at a time, so about C requests are in flight, as from C clients. No GraphQL,
 * queues, events or pushes. Run FLOOR_RUNS times: its spread is part of the figure.
 */
async function floorPhase(stack: LocalStack, pool: Pool) {
  const dynamo = localDynamoDbClient(stack.dynamodbEndpoint);
  const appointments = new DynamoDbAppointmentRepository(dynamo, stack.tableName);
  const { batchSize } = topology.confirmations;
  const countryStores = new Map(
    Object.values(countries).map((country) => [country.iso, new MysqlCountryAppointments(pool, country, batchSize)]),
  );
  const nextId = monotonicFactory();
  const batches = Object.values(countries).flatMap((country) => {
    const indices = Array.from({ length: N }, (_, index) => index).filter((index) => countryOf(index) === country.iso);
    return Array.from({ length: Math.ceil(indices.length / batchSize) }, (_, batch) =>
      indices.slice(batch * batchSize, (batch + 1) * batchSize),
    );
  });
  const storeBatch = async (run: number, indices: readonly number[]) => {
    const batch = indices.map((index) =>
      pendingAppointment(
        { insuredId: insuredOf(index), scheduleId: slotOf.floor(run, index), countryISO: countryOf(index) },
        nextId(),
        new Date(),
      ),
    );
    await Promise.all(
      batch.map(async (appointment) => {
        await appointments.create(appointment);
        await appointments.claimSlot(appointment);
      }),
    );
    // Booked in one tick: the adapter sends the whole batch as one multi-statement query.
    await Promise.all(
      batch.map((appointment) => countryStores.get(appointment.countryISO)!.book({ ...appointment, correlationId: 'bench-floor' })),
    );
    await Promise.all(
      batch.map((appointment) => appointments.changeStatus(appointment, { target: AppointmentStatus.COMPLETED, at: new Date() })),
    );
  };
  const runs: { seconds: number; perSecond: number }[] = [];
  for (let run = 0; run < FLOOR_RUNS; run++) {
    const floorBar = bar(`floor ${run + 1}/${FLOOR_RUNS}: storage only`, N, 'stored');
    const started = performance.now();
    await runConcurrently(
      batches.length,
      Math.max(1, Math.round(C / batchSize)),
      (batch) => storeBatch(run, batches[batch]!),
      () => floorBar.increment(batchSize),
    );
    const seconds = (performance.now() - started) / 1000;
    runs.push({ seconds, perSecond: N / seconds });
  }
  dynamo.destroy();
  const rates = runs.map((run) => run.perSecond).sort((a, b) => a - b);
  return {
    appointments: N,
    clients: C,
    batchSize,
    runs,
    medianPerSecond: percentile(rates, 50),
    minPerSecond: rates[0] ?? NaN,
    maxPerSecond: rates.at(-1) ?? NaN,
  };
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
      // A slot of the warm-up, booked again (REJECTED), and one the catalog lacks (answered SlotNotFoundError): the bench times the bundle, not the outcome.
      const invocation = coldInvocation(bundle, stack, samples, { toBook: firstSlot, toWithdraw: firstSlot });
      const env = invocation?.env ?? { AWS_REGION: LOCAL_REGION };
      const load = await measureFreshLoad(bundle, env, COLD_RUNS);
      // Functions the stack does not run (the schema migration, the Cognito trigger) get their load measured only.
      const coldStartMs =
        invocation?.event === undefined ? undefined : await measureColdInvocation(bundle, invocation.event, invocation.env, COLD_RUNS);
      rows.push({
        function: bundle.id,
        bundleKB: bundle.bytes / 1024,
        sdkPackages: bundle.sdkPackages,
        ...load,
        loadToBareSdk: load.loadMs / load.bareSdkLoadMs,
        coldStartMs,
      });
      coldBar.increment();
    }
    return { runs: COLD_RUNS, functions: rows };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** What the phases measured, for the report (local/bench/report.ts). */
export type BenchResults = {
  startupMs: number;
  heardDecision: Awaited<ReturnType<typeof heardDecisionPhases>>;
  pipeline: Awaited<ReturnType<typeof pipelinePhase>>;
  floor: Awaited<ReturnType<typeof floorPhase>>;
  coldStarts: Awaited<ReturnType<typeof coldStartPhase>> | undefined;
};

/** One table on stdout, the same rows and the raw figures in a JSON file. */
async function report(results: BenchResults): Promise<void> {
  const rows = reportRows(results);
  printTable(rows, results.coldStarts);
  const file = await writeFigures(results, rows, resolve(flags.out));
  process.stdout.write(`\nFigures written to ${file}\n`);
}

main().catch((error: unknown) => {
  bars?.stop();
  process.stderr.write(`Benchmark failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exitCode = 1;
});
