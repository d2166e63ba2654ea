import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { MultiBar, Presets, type SingleBar } from 'cli-progress';
import { createPool, type Pool, type RowDataPacket } from 'mysql2/promise';
import { monotonicFactory } from 'ulid';
import { AppointmentStatus, pendingAppointment, type Appointment, type CountryISO } from '../../core/domain/appointment';
import { DynamoDbAppointmentRepository } from '../../core/adapters/dynamodb-appointment-repository';
import { mysqlOptionsFromUrl } from '../../core/adapters/mysql-connection';
import { MysqlCountryAppointments } from '../../core/adapters/mysql-country-appointments';
import { postKeptAlive } from '../../core/adapters/kept-alive-post';
import { countries, countryISOs } from '../../core/domain/countries';
import { topology } from '../../core/config/topology';
import { apiClient } from '../api-client';
import { publishDemoCatalog } from '../catalog/demo-loader';
import { LOCAL_REGION, localDynamoDbClient, sdkAppIdOf } from '../dynamodb/dynalite';
import { MYSQL_INSTALL_HINT } from '../mysql/mysql-server';
import { consumerFunctionName, RECONCILER_FUNCTION_NAME, resolverFunctionName, startLocalStack, type LocalStack } from '../stack';
import type { StackUsage } from '../stack-usage';
import { bookingCounts, functionRequests } from './booking-usage';
import { sdkRoundTripCpuMs } from './request-floor';
import { benchCostFigures } from './cost';
import { browseSessions, browseSlots, type BrowsePlan } from './browse-slots';
import { coldInvocation } from './cold-invocations';
import { bundleLikeTheStack, measureColdInvocation, measureFreshLoad } from './cold-start';
import { cpuSpent, cpuTime, localMysqlPid } from './cpu-time';
import { inClientThread, listenForDecisions, type IdleFigures, type OfferedFigures } from './heard-decision';
import { percentile, runConcurrently } from '../load';
import { printCostTable, printTable, reportRows, writeFigures } from './report';

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
    'browse-idle': { type: 'string', default: '50' },
    'browse-rate': { type: 'string', default: '5' },
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
/** Browsing sessions one at a time before the load, and started each second during the loaded run (0: none). */
const BROWSE_IDLE = Number(flags['browse-idle']);
const BROWSE_RATE = Number(flags['browse-rate']);
/** Every bench booking starts within the catalog's 30 days: a year covers each one's reminder. */
const REMINDERS_WITHIN_MS = 366 * 24 * 60 * 60 * 1000;
/** A booking screen's page: 20 free slots of a 7-day window, then the next pages (3 in all) by nextToken. */
const BROWSE_PAGE = { limit: 20, pagesPerSession: 3 } as const;
/** The local stack names each resolver's function `<type>-<field>`, and the SDK carries its app id in its user agent. */
const AVAILABLE_SLOTS_FUNCTION = sdkAppIdOf(resolverFunctionName({ typeName: 'Query', fieldName: 'availableSlots' }));
const APPOINTMENTS_PER_INSURED = 20;
const countryOf = (index: number): CountryISO => (index % 2 ? 'CL' : 'PE');
const insuredOf = (index: number) => String(Math.floor(index / APPOINTMENTS_PER_INSURED)).padStart(5, '0');
/** Insured people of their own for the latency phases, so no phase hears another's decisions. */
const IDLE_INSURED = '80000';
const loadedInsuredOf = (index: number) => String(70_000 + (index % LOADED_CLIENTS)).padStart(5, '0');
const WARM_UP = 2 * C;

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
  const functionLogs = {
    POWERTOOLS_LOG_LEVEL: process.env.POWERTOOLS_LOG_LEVEL ?? 'WARN',
    POWERTOOLS_METRICS_DISABLED: process.env.POWERTOOLS_METRICS_DISABLED ?? 'true',
  };
  const stack = await startLocalStack({ quiet: true, env: { ...process.env, ...functionLogs } });
  stackBar.increment();
  try {
    if (!stack.mysqlUrl) throw new Error(`The benchmark needs a real MySQL: ${MYSQL_INSTALL_HINT}.`);
    const pool = createPool(mysqlOptionsFromUrl(stack.mysqlUrl, C));
    try {
      const catalog = await catalogPhase(stack);
      const slots = allotSlots(catalog.free);
      await warmUp(stack, slots.warmUp);
      const browseIdle = BROWSE_IDLE > 0 ? await idleBrowsePhase(stack, catalog.specialties) : undefined;
      const { browse: browseLoaded, usage, ...heardDecision } = await heardDecisionPhases(stack, slots, catalog.specialties);
      const pipeline = await pipelinePhase(stack, pool, slots.pipeline);
      const floor = await floorPhase(stack, pool, slots.floor);
      const coldStarts = COLD_RUNS > 0 ? await coldStartPhase(stack, pipeline.samples, slots.cold) : undefined;
      bars?.stop();
      const { free, specialties: _specialties, ...catalogFigures } = catalog;
      await report({
        catalog: { ...catalogFigures, freeReadBack: Object.fromEntries([...free].map(([countryISO, ids]) => [countryISO, ids.length])) },
        browse: { idle: browseIdle, loaded: browseLoaded },
        heardDecision,
        pipeline,
        floor,
        coldStarts,
        cost: costPhase(usage, functionLogs),
        startupMs: stack.startupMs,
      });
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
 * The slots every phase books: the demo catalog `npm start` loads (30 days of each country's working hours, about
 * 12,000 slots a country), published through the API as staff and carried by the pipeline to MySQL and the read
 * model, then read back free from availableSlots, doctor by doctor. The API books no scheduleId its catalog lacks.
 */
async function catalogPhase(stack: LocalStack) {
  const publishBar = bar('catalog: publishSlots (demo)', 1, 'step');
  const published = await publishDemoCatalog(stack);
  publishBar.increment();
  const staff = apiClient(stack, { token: await stack.issuer.issue({ staff: true }), timeoutMs: 30_000, post: postKeptAlive });
  const readBackBar = bar('catalog: free slots read back', countryISOs.length, 'countries');
  const started = performance.now();
  const now = Date.now();
  const day = 86_400_000;
  // Two windows within availableSlots' 31 days cover the catalog's 30 days from tomorrow.
  const windows = [0, 20].map((first) => ({
    from: new Date(now + first * day).toISOString(),
    to: new Date(now + (first + 20) * day).toISOString(),
  }));
  const free = new Map<CountryISO, number[]>();
  const specialties = new Map<CountryISO, string[]>();
  for (const countryISO of countryISOs) {
    const catalog = (await staff.catalog(countryISO)).data?.catalog;
    if (!catalog) throw new Error(`The catalog of ${countryISO} could not be read`);
    specialties.set(
      countryISO,
      catalog.specialties.map((specialty) => specialty.specialtyId),
    );
    const ids: number[] = [];
    for (const { doctorId } of catalog.doctors) {
      for (const window of windows) {
        let nextToken: string | undefined;
        do {
          const page = await staff.availableSlots({ countryISO, ...window, doctorId, limit: 100, nextToken });
          if (!page.data) throw new Error(`Reading the catalog's free slots failed: ${JSON.stringify(page.errors)}`);
          ids.push(...page.data.availableSlots.items.map((slot) => slot.scheduleId));
          nextToken = page.data.availableSlots.nextToken ?? undefined;
        } while (nextToken);
      }
    }
    free.set(countryISO, ids);
    readBackBar.increment();
  }
  return {
    slotsPerCountry: Object.fromEntries(published.slotsPerCountry),
    publishedInMs: published.loadedInMs,
    readBackMs: performance.now() - started,
    free,
    specialties,
  };
}

/** The catalog slots of each phase: a slot is booked once, so no two phases (and no two floor runs) share one. */
interface BenchSlots {
  readonly warmUp: readonly number[];
  readonly idle: readonly number[];
  readonly loaded: readonly number[];
  readonly pipeline: readonly number[];
  readonly floor: readonly (readonly number[])[];
  /** Each cold run's createAppointment and withdrawSlot (both in Lima): a withdrawn slot cannot be withdrawn again. */
  readonly cold: readonly { readonly toBook: number; readonly toWithdraw: number }[];
}

/** Each phase's booking `index` goes to `countryOf(index)`, on a free slot of that country no other booking takes. */
function allotSlots(free: ReadonlyMap<CountryISO, readonly number[]>): BenchSlots {
  const phases = { warmUp: WARM_UP, idle: IDLE, loaded: LOADED, pipeline: N };
  const needed = (countryISO: CountryISO) =>
    [...Object.values(phases), ...Array.from({ length: FLOOR_RUNS }, () => N)].reduce(
      (sum, count) => sum + Array.from({ length: count }, (_, index) => countryOf(index)).filter((of) => of === countryISO).length,
      countryISO === 'PE' ? 2 * COLD_RUNS : 0,
    );
  for (const countryISO of countryISOs) {
    const has = free.get(countryISO)?.length ?? 0;
    if (has < needed(countryISO))
      throw new Error(
        `The bench books ${needed(countryISO)} slots of ${countryISO}'s catalog (each phase its own), and only ${has} are free: book fewer (--appointments, --seconds, --floor-runs) or use a fresh MySQL (unset MYSQL_URL).`,
      );
  }
  const taken = new Map<CountryISO, number>();
  const take = (countryISO: CountryISO) => {
    const next = taken.get(countryISO) ?? 0;
    taken.set(countryISO, next + 1);
    return free.get(countryISO)![next]!;
  };
  const phase = (count: number) => Array.from({ length: count }, (_, index) => take(countryOf(index)));
  return {
    warmUp: phase(phases.warmUp),
    idle: phase(phases.idle),
    loaded: phase(phases.loaded),
    pipeline: phase(phases.pipeline),
    floor: Array.from({ length: FLOOR_RUNS }, () => phase(N)),
    cold: Array.from({ length: COLD_RUNS }, () => ({ toBook: take('PE'), toWithdraw: take('PE') })),
  };
}

/**
 * Uncounted, as a fleet already serving traffic would be: the local stack starts one sandbox per
 * resolver, and a burst of C clients otherwise measures sandbox start-up in its p99. Bookings, then
 * as many availableSlots pages (the browsing measured later). Sandboxes started on a busy machine can
 * take seconds: no request here is timed, so each may take up to a minute.
 */
async function warmUp(stack: LocalStack, slots: readonly number[]) {
  const api = apiClient(stack, { post: postKeptAlive, timeoutMs: 60_000 });
  const warmBar = bar('warm-up (not counted)', 2 * WARM_UP, 'requests');
  await runConcurrently(
    WARM_UP,
    C,
    async (index) => void (await api.createAppointment({ insuredId: '99998', scheduleId: slots[index], countryISO: countryOf(index) })),
    () => warmBar.increment(),
  );
  const from = Date.now();
  await runConcurrently(
    WARM_UP,
    C,
    async (index) =>
      void (await api.availableSlots({
        countryISO: countryOf(index),
        from: new Date(from).toISOString(),
        to: new Date(from + 7 * 86_400_000).toISOString(),
        limit: BROWSE_PAGE.limit,
      })),
    () => warmBar.increment(),
  );
  await stack.router.waitForIdle(60_000);
}

/** The DynamoDB requests availableSlots' function made since `before` (a copy of `dynamodbOperations`), by operation. */
function availableSlotsRequests(stack: LocalStack, before: ReadonlyMap<string, number>): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const [key, count] of stack.dynamodbOperations) {
    // `<function's SDK app id> <operation>`; the bare `<operation>` keys count every caller.
    if (!key.startsWith(AVAILABLE_SLOTS_FUNCTION) || !key.includes(' ')) continue;
    const operation = key.slice(key.lastIndexOf(' ') + 1);
    const made = count - (before.get(key) ?? 0);
    if (made > 0) counts[operation] = (counts[operation] ?? 0) + made;
  }
  return counts;
}

/** availableSlots alone, one page at a time (from this thread: nothing else runs), for the loaded figures to be read against. */
async function idleBrowsePhase(stack: LocalStack, specialties: ReadonlyMap<CountryISO, readonly string[]>) {
  const browseBar = bar('availableSlots: idle', 1, 'step');
  const before = new Map(stack.dynamodbOperations);
  const figures = await browseSlots(stack, { ...BROWSE_PAGE, sessions: browseSessions(BROWSE_IDLE, new Date(), specialties) });
  browseBar.increment();
  return { ...figures, dynamoDbRequests: availableSlotsRequests(stack, before) };
}

/**
 * The latency people feel, from sending createAppointment to hearing the decision on the
 * subscription: idle (one booking at a time), then loaded (RATE a second for the given seconds,
 * from LOADED_CLIENTS clients, each its own insured person on its own connection), while others
 * browse availableSlots (BROWSE_RATE sessions a second from the same client thread), each page timed.
 */
async function heardDecisionPhases(stack: LocalStack, slots: BenchSlots, specialties: ReadonlyMap<CountryISO, readonly string[]>) {
  const idleBar = bar('idle: one booking at a time', IDLE, 'heard');
  // The warm-up's reminders are not the idle phase's.
  await sendReminders(stack);
  const idleUsageBefore = stack.usage();
  const idle = await inClientThread<IdleFigures>(
    {
      endpoint: stack,
      insuredIds: [IDLE_INSURED],
      bookings: Array.from({ length: IDLE }, (_, index) => ({
        insuredId: IDLE_INSURED,
        scheduleId: slots.idle[index]!,
        countryISO: countryOf(index),
      })),
    },
    (progress) => progress === 'done' && idleBar.increment(),
  );
  await stack.router.waitForIdle(60_000);
  await sendReminders(stack);
  const idleUsage = { before: idleUsageBefore, after: stack.usage(), bookings: idle.booked };

  const clients = Math.min(LOADED_CLIENTS, LOADED);
  const subscribeBar = bar(`loaded: ${clients} clients subscribing`, 1, 'step');
  const loadedBar = bar(`loaded: ${RATE}/s offered`, LOADED, 'heard');
  const mysqlPid = stack.mysqlUrl ? localMysqlPid(stack.mysqlUrl) : undefined;
  // Measured from the first booking: subscribing is not part of the load.
  let [cpuBefore, started, mainThreadBefore] = [cpuTime(mysqlPid), performance.now(), performance.eventLoopUtilization()];
  // Other people browse while these book: as many sessions a second as asked, for as long as the bookings are offered.
  const browse: BrowsePlan | undefined =
    BROWSE_RATE > 0
      ? {
          ...BROWSE_PAGE,
          perSecond: BROWSE_RATE,
          sessions: browseSessions(Math.round((BROWSE_RATE * LOADED) / RATE), new Date(), specialties),
        }
      : undefined;
  const dynamoBefore = new Map(stack.dynamodbOperations);
  // From before the clients subscribe: their connections and pushes are the bookings' too.
  const loadedUsageBefore = stack.usage();
  const loaded = await inClientThread<OfferedFigures>(
    {
      endpoint: stack,
      insuredIds: Array.from({ length: clients }, (_, index) => loadedInsuredOf(index)),
      bookings: Array.from({ length: LOADED }, (_, index) => ({
        insuredId: loadedInsuredOf(index),
        scheduleId: slots.loaded[index]!,
        countryISO: countryOf(index),
      })),
      perSecond: RATE,
      ...(browse && { browse }),
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
  const duringLoad = { before: loadedUsageBefore, after: stack.usage(), bookings: loaded.booked };
  // Their reminders cost what the bookings cost, but days later: not in the load's CPU, in its usage.
  await sendReminders(stack);
  const loadedUsage = { before: loadedUsageBefore, after: stack.usage(), bookings: loaded.booked };
  // Once the load is measured, with the stack idle: what the local transport alone costs each request it made.
  const transport = {
    requestsPerBooking: functionRequests({ ...duringLoad, fixedCostFunctions: [RECONCILER_FUNCTION_NAME] }),
    sdkRoundTripCpuMs: await sdkRoundTripCpuMs(stack),
  };
  const { browse: browsed, ...bookings } = loaded;
  return {
    browse: browsed && { ...browsed, perSecond: BROWSE_RATE, dynamoDbRequests: availableSlotsRequests(stack, dynamoBefore) },
    usage: { idle: idleUsage, loaded: loadedUsage },
    idle,
    loaded: {
      ...bookings,
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
      transport,
    },
  };
}

/**
 * Fires every reminder the bookings so far have scheduled (each COMPLETED appointment's one, days ahead), and waits
 * for its email: a booking pays for its reminder (a Scheduler invocation, the reminder worker, a second email).
 */
async function sendReminders(stack: LocalStack): Promise<void> {
  await stack.reminders.fireDue(new Date(Date.now() + REMINDERS_WITHIN_MS));
  await stack.router.waitForIdle(60_000);
}

/**
 * What a million bookings cost in AWS (issue 27): what each latency phase asked of every service the stack stands in
 * for, per booking, priced by local/bench/cost.ts. The loaded phase's browsing is the bookings' too (people browse
 * before they book); the scheduled reconciler is the fixed month's.
 */
function costPhase(
  usage: Record<'idle' | 'loaded', { before: StackUsage; after: StackUsage; bookings: number }>,
  functionLogs: { readonly POWERTOOLS_LOG_LEVEL: string; readonly POWERTOOLS_METRICS_DISABLED: string },
) {
  // A run told to book nothing in a phase (--idle 0) has nothing to divide by: its JSON carries no cost.
  if (usage.idle.bookings === 0 || usage.loaded.bookings === 0) return undefined;
  const counts = {
    idle: bookingCounts({ ...usage.idle, fixedCostFunctions: [RECONCILER_FUNCTION_NAME] }),
    loaded: bookingCounts({ ...usage.loaded, fixedCostFunctions: [RECONCILER_FUNCTION_NAME] }),
  };
  // The log bytes are those of the bench's log settings: the deployed functions log at INFO and emit EMF lines.
  const logsCountedAt = { logLevel: functionLogs.POWERTOOLS_LOG_LEVEL, emfMetrics: functionLogs.POWERTOOLS_METRICS_DISABLED !== 'true' };
  return { ...benchCostFigures(counts), counts, logsCountedAt };
}

/** N createAppointment calls over HTTP from C clients, then until each decision is heard on its insured person's subscription. */
async function pipelinePhase(stack: LocalStack, pool: Pool, slots: readonly number[]) {
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
        scheduleId: slots[index],
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
  // SDK app id (to which Powertools appends its own user-agent mark).
  const completionWorker = sdkAppIdOf(consumerFunctionName(topology.confirmations.consumer, topology.confirmations.queueName));
  const byCompletionWorker = (key: string) => key.startsWith(completionWorker) && / (UpdateItem|GetItem)$/.test(key);
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
async function floorPhase(stack: LocalStack, pool: Pool, slots: readonly (readonly number[])[]) {
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
        { insuredId: insuredOf(index), scheduleId: slots[run]![index]!, countryISO: countryOf(index) },
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
async function coldStartPhase(stack: LocalStack, samples: ReadonlyMap<CountryISO, Appointment>, freeSlots: BenchSlots['cold']) {
  const dir = await mkdtemp(join(tmpdir(), 'appointments-bench-'));
  try {
    const bundles = await bundleLikeTheStack(dir);
    const coldBar = bar('fresh loads: fresh node', bundles.length, 'functions');
    const rows = [];
    for (const bundle of bundles) {
      // Each run books and withdraws free slots of the catalog of its own: the bench times the bundle on its ordinary path.
      const invocationOfRun = (run: number) => coldInvocation(bundle, stack, samples, freeSlots[run]!);
      const invocation = invocationOfRun(0);
      const env = invocation?.env ?? { AWS_REGION: LOCAL_REGION };
      const load = await measureFreshLoad(bundle, env, COLD_RUNS);
      // Functions the stack does not run (the schema migration, the Cognito trigger) get their load measured only.
      const coldStartMs =
        invocation?.event === undefined
          ? undefined
          : await measureColdInvocation(bundle, (run) => invocationOfRun(run)?.event, invocation.env, COLD_RUNS);
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
  catalog: Omit<Awaited<ReturnType<typeof catalogPhase>>, 'free' | 'specialties'> & { freeReadBack: Record<string, number> };
  browse: {
    idle: Awaited<ReturnType<typeof idleBrowsePhase>> | undefined;
    loaded: Awaited<ReturnType<typeof heardDecisionPhases>>['browse'];
  };
  heardDecision: Omit<Awaited<ReturnType<typeof heardDecisionPhases>>, 'browse' | 'usage'>;
  pipeline: Awaited<ReturnType<typeof pipelinePhase>>;
  floor: Awaited<ReturnType<typeof floorPhase>>;
  coldStarts: Awaited<ReturnType<typeof coldStartPhase>> | undefined;
  cost: ReturnType<typeof costPhase>;
};

/** One table on stdout, the same rows and the raw figures in a JSON file. */
async function report(results: BenchResults): Promise<void> {
  const rows = reportRows(results);
  printTable(rows, results.coldStarts);
  if (results.cost) printCostTable(results.cost);
  const file = await writeFigures(results, rows, resolve(flags.out));
  process.stdout.write(`\nFigures written to ${file}\n`);
}

main().catch((error: unknown) => {
  bars?.stop();
  process.stderr.write(`Benchmark failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exitCode = 1;
});
