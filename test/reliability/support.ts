import type { Pool, RowDataPacket } from 'mysql2/promise';
import { DynamoDbAppointmentRepository } from '../../core/adapters/dynamodb-appointment-repository';
import { AppointmentStatus, type Appointment, type CountryISO } from '../../core/domain/appointment';
import { countries, countryISOs } from '../../core/domain/countries';
import type { CountrySlotStatus } from '../../core/messages/appointment-messages';
import { reconcileAppointments } from '../../core/use-cases/reconcile-appointments';
import { DynamoDbSlotReadModel } from '../../core/adapters/dynamodb-slot-read-model';
import { slotStatesOf } from '../../core/adapters/mysql-slot-catalog';
import { topology, type QueueSettings } from '../../core/config/topology';
import { localDynamoDbClient } from '../../local/dynamodb/dynalite';
import { appointmentIdOf } from '../../local/operators/operator-io';
import type { LocalRouter, RouterEvent } from '../../local/router/router';
import type { LocalStack, LocalStackOptions } from '../../local/stack';
import { canStartThrowawayMysql } from '../../local/mysql/mysql-server';
import { describeWithMysql } from '../support/mysql';
import type { HeardChange, StatusChangeSubscriber } from '../support/status-change-subscriber';
import { runConcurrently } from '../../local/load';
import { given, http, when, type AppointmentsApi, type FreeSlots, type Refusal } from '../steps';

/**
 * Every queue keeps the topology's batch size, batching window, concurrency and max
 * receive count; only the visibility timeout is cut to a second, so a retry takes a
 * second instead of a minute and a message dead-letters within seconds.
 */
export const shortRetries = (settings: QueueSettings): QueueSettings => ({ ...settings, visibilityTimeoutSeconds: 1 });

/**
 * Retries within seconds, but a timeout a loaded batch outlasts no more: for suites that fail every first receive,
 * where a second receive processed after its visibility timeout ran out would be received a third time and dead-lettered.
 */
export const retriesAfterSeconds = (settings: QueueSettings): QueueSettings => ({ ...settings, visibilityTimeoutSeconds: 3 });

/** The topology's settings as deployed, for suites where nothing should need a retry (one would take a minute). */
export const asDeployed = (settings: QueueSettings): QueueSettings => settings;

/** The local stack as `npm start` runs it, on the test run's MySQL unless told otherwise. */
export function startReliabilityStack(options: LocalStackOptions = {}): Promise<LocalStack> {
  // LOCAL_STACK_LOGS=1 npx jest test/reliability prints the stack's log lines.
  return given.aLocalStack({ adjustQueue: shortRetries, ...options });
}

/**
 * For suites that start and stop a MariaDB of their own (the shared one must stay up). With only
 * MYSQL_URL and no server binaries they are reported as skipped; under CI=true they run, and fail instead.
 */
export const describeWithOwnMysql: typeof describe =
  canStartThrowawayMysql() || process.env.CI === 'true' ? describeWithMysql : describe.skip;

export const countryQueueNames: ReadonlySet<string> = new Set(topology.countryRoutes.map((route) => route.queueName));
export const deadLetterQueueNames: readonly string[] = [
  ...topology.countryRoutes,
  topology.confirmations,
  topology.emailNotifications,
  topology.slotAvailability,
].map((queue) => queue.deadLetterQueueName);

export { runConcurrently };

/**
 * What a suite books: `bookings` through `bookAppointments` (indexes 0 onwards), each run of contests it makes, if
 * any, and `freeForMoves` slots left free for appointments to move to (`freeSlotOfTheSuite`).
 */
export interface SuiteBookings {
  readonly bookings: number;
  readonly contests?: readonly ContestPlan[];
  readonly freeForMoves?: number;
}

/** Each stack's slots, as `publishTheSlotsToBook` published them: suites share the test MySQL, where each slot can be held once. */
const slotsOfStacks = new WeakMap<LocalStack, FreeSlots>();

/**
 * Staff publish, through the stack's API, a slot for every booking the suite will make: its `bookings` and each
 * contested slot and cancellation of its `contests`. Call it in beforeAll right after the stack starts, before
 * anything counts: a publication sends a message through the country's pipeline and one event per slot. One day
 * (72 slots) at a time, as the queues give a delivery one second here (shortRetries); and none may be left in a
 * DLQ, where a suite would take it for its own.
 */
export async function publishTheSlotsToBook(stack: LocalStack, plan: SuiteBookings): Promise<void> {
  const ofEachCountry = (count: number) => Math.ceil(count / countryISOs.length);
  const contested = (plan.contests ?? []).reduce((sum, run) => sum + ofEachCountry(run.slots) + ofEachCountry(run.cancellations), 0);
  const count = ofEachCountry(plan.bookings) + contested + ofEachCountry(plan.freeForMoves ?? 0);
  const counts = Object.fromEntries(countryISOs.map((countryISO) => [countryISO, count]));
  slotsOfStacks.set(stack, await given.freeSlotsIn(stack, counts, { oneDayAtATime: true }));
  const deadLettered = deadLetterQueueNames.filter((queue) => stack.router.deadLetters(queue).length > 0);
  if (deadLettered.length > 0) throw new Error(`Publishing the suite's slots left messages in ${deadLettered.join(', ')}`);
}

function slotsOf(stack: LocalStack): FreeSlots {
  const slots = slotsOfStacks.get(stack);
  if (!slots) throw new Error("This suite books no slot of its stack's catalog: call publishTheSlotsToBook in its beforeAll");
  return slots;
}

/** A slot of the suite's that nobody has booked or been handed before. */
export function freeSlotOfTheSuite(stack: LocalStack, countryISO: CountryISO): { scheduleId: number; countryISO: CountryISO } {
  return slotsOf(stack).next(countryISO);
}

/** The insured person of a suite's `index`-th booking: 20 appointments each. */
const insuredIdOf = (index: number) => String(Math.floor(index / 20)).padStart(5, '0');
const countryOf = (index: number) => countryISOs[index % countryISOs.length] as CountryISO;

/** The `index`-th booking of a suite: insured people with 20 appointments each, countries in turn, a slot of its own. */
function bookingFor(stack: LocalStack, index: number): { insuredId: string; scheduleId: number; countryISO: CountryISO } {
  const countryISO = countryOf(index);
  return { insuredId: insuredIdOf(index), ...slotsOf(stack).at(Math.floor(index / countryISOs.length), countryISO) };
}

/** A developer's client with the API key, waiting as long as AppSync lets a resolver run (30 s): longer would be waiting for nothing. */
const developerOf = (stack: LocalStack, timeoutMs = 30_000): AppointmentsApi => when.over(http(stack, undefined, { timeoutMs }));

/** The insured people the first `count` bookings are for, each once: whom a suite subscribes for before it books. */
export function insuredIdsOfBookings(count: number): string[] {
  return [...new Set(Array.from({ length: count }, (_, index) => insuredIdOf(index)))];
}

export interface Bookings {
  readonly accepted: Appointment[];
  /** Answers with GraphQL errors, as the client got them. */
  readonly refused: (readonly Refusal[])[];
  /** Anything a client could not act on: no answer in time, an HTTP failure, an error without an errorType. */
  readonly unclear: string[];
}

/** `count` createAppointment calls over HTTP from `clients` concurrent clients: bookings `firstIndex` onwards (default 0). */
export async function bookAppointments(
  stack: LocalStack,
  count: number,
  clients: number,
  options: { firstIndex?: number; timeoutMs?: number } = {},
): Promise<Bookings> {
  const api = developerOf(stack, options.timeoutMs);
  const bookings: Bookings = { accepted: [], refused: [], unclear: [] };
  await runConcurrently(count, clients, async (index) => {
    try {
      const answer = await api.bookAppointment(bookingFor(stack, (options.firstIndex ?? 0) + index));
      if (answer.appointment && !answer.errors) bookings.accepted.push(answer.appointment);
      else if (answer.errors?.length && answer.errors.every((error) => error.errorType && error.message))
        bookings.refused.push(answer.errors);
      else bookings.unclear.push(`HTTP ${answer.httpStatus}: ${JSON.stringify(answer)}`);
    } catch (error) {
      bookings.unclear.push(error instanceof Error ? `${error.name}: ${error.message}` : String(error));
    }
  });
  return bookings;
}

/** Each appointment's status as its insured person sees it: their appointments list, page by page, over HTTP. */
export async function listedStatuses(stack: LocalStack, insuredIds: Iterable<string>): Promise<Map<string, AppointmentStatus>> {
  const api = developerOf(stack);
  const statuses = new Map<string, AppointmentStatus>();
  const ids = [...new Set(insuredIds)];
  await runConcurrently(ids.length, 8, async (index) => {
    const insuredId = ids[index] ?? '';
    let nextToken: string | undefined;
    do {
      const page = await api.listAppointments(insuredId, { limit: 100, nextToken });
      if (page.errors) throw new Error(`Listing ${insuredId} failed: ${JSON.stringify(page.errors)}`);
      for (const item of page.appointments?.items ?? []) statuses.set(item.appointmentId, item.status);
      nextToken = page.appointments?.nextToken ?? undefined;
    } while (nextToken);
  });
  return statuses;
}

/** Everything the stack's own DynamoDB table holds (each stack has its own dynalite, so the whole table is this suite's). */
export async function storedAppointments(stack: LocalStack): Promise<Appointment[]> {
  const client = localDynamoDbClient(stack.dynamodbEndpoint);
  try {
    const stored: Appointment[] = [];
    for await (const appointment of new DynamoDbAppointmentRepository(client, stack.tableName).scanAll()) stored.push(appointment);
    return stored;
  } finally {
    client.destroy();
  }
}

/**
 * The heard changes that are not what the table holds for their appointment (insuredId, status, updatedAt):
 * a redelivery may announce a change again, but only as it was stored, never as a new one.
 */
export function unlikeStored(heard: readonly HeardChange[], stored: readonly Appointment[]): HeardChange[] {
  const storedById = new Map(stored.map((appointment) => [appointment.appointmentId, appointment]));
  return heard.filter((change) => {
    const item = storedById.get(change.appointmentId);
    return change.insuredId !== item?.insuredId || change.status !== item.status || change.updatedAt !== item.updatedAt;
  });
}

export interface ScheduledRow {
  readonly appointmentId: string;
  /** The country whose schema holds the row. */
  readonly schemaCountry: CountryISO;
  readonly countryISO: string;
  readonly scheduleId: number;
  readonly status: CountrySlotStatus;
  readonly scheduledAt: Date;
}

/** Every row, in every country schema, for these appointments (the MySQL server may be shared: never whole tables). */
export async function scheduledRows(pool: Pool, appointmentIds: readonly string[]): Promise<ScheduledRow[]> {
  const rows: ScheduledRow[] = [];
  const CHUNK = 500;
  for (const countryISO of countryISOs) {
    for (let start = 0; start < appointmentIds.length; start += CHUNK) {
      const [found] = await pool.query<RowDataPacket[]>(
        'SELECT appointment_id, country_iso, schedule_id, status, scheduled_at FROM ??.appointments WHERE appointment_id IN (?)',
        [countries[countryISO].mysqlSchema, appointmentIds.slice(start, start + CHUNK)],
      );
      for (const row of found) {
        rows.push({
          appointmentId: row.appointment_id as string,
          schemaCountry: countryISO,
          countryISO: row.country_iso as string,
          scheduleId: row.schedule_id as number,
          status: row.status as CountrySlotStatus,
          scheduledAt: row.scheduled_at as Date,
        });
      }
    }
  }
  return rows;
}

/** What the router did, counted as it happens: messages per appointment and queue, deliveries, dead-letters. */
export class RouterTally {
  private readonly enqueuedPerAppointment = new Map<string, number>();
  private readonly enqueuedPerQueue = new Map<string, number>();
  private readonly deliveredPerQueue = new Map<string, number>();
  private readonly messagesPerQueue = new Map<string, string[]>();
  private readonly deliveredPerMessage = new Map<string, number>();
  readonly deadLettered: Extract<RouterEvent, { type: 'dead-lettered' }>[] = [];
  /** Deliveries that failed (a record reported in batchItemFailures, or its whole invocation failing). */
  failures = 0;
  private readonly listener = (event: RouterEvent) => this.count(event);

  constructor(private readonly router: LocalRouter) {
    router.on('event', this.listener);
  }

  /** Messages for this appointment put on `queue` (by SNS, EventBridge or a redrive; every copy). */
  enqueued(queue: string, appointmentId: string): number {
    return this.enqueuedPerAppointment.get(`${queue} ${appointmentId}`) ?? 0;
  }

  enqueuedOn(queue: string): number {
    return this.enqueuedPerQueue.get(queue) ?? 0;
  }

  deliveredFrom(queue: string): number {
    return this.deliveredPerQueue.get(queue) ?? 0;
  }

  /** For each message ever put on `queue`: how many times it was delivered. */
  deliveriesOfEachMessageOn(queue: string): number[] {
    return (this.messagesPerQueue.get(queue) ?? []).map((messageId) => this.deliveredPerMessage.get(messageId) ?? 0);
  }

  stop(): void {
    this.router.off('event', this.listener);
  }

  private count(event: RouterEvent): void {
    if (event.type === 'enqueued') {
      const id = appointmentIdOf(event.body);
      if (id) this.enqueuedPerAppointment.set(`${event.queue} ${id}`, this.enqueued(event.queue, id) + 1);
      this.enqueuedPerQueue.set(event.queue, this.enqueuedOn(event.queue) + 1);
      this.messagesPerQueue.set(event.queue, [...(this.messagesPerQueue.get(event.queue) ?? []), event.messageId]);
    }
    if (event.type === 'delivered') {
      this.deliveredPerQueue.set(event.queue, this.deliveredFrom(event.queue) + 1);
      this.deliveredPerMessage.set(event.messageId, (this.deliveredPerMessage.get(event.messageId) ?? 0) + 1);
    }
    if (event.type === 'dead-lettered') this.deadLettered.push(event);
    if (event.type === 'failed') this.failures += 1;
  }
}

/** What each suite counts and prints: the five every suite has, plus its own. */
export type SuiteCounts<Extra extends string = never> = Record<'sent' | 'completed' | 'rows' | 'inDlq' | 'redriven' | Extra, number>;

/** The one line each reliability suite prints at its end. */
export function printCounts(suite: string, counts: SuiteCounts & Record<string, number>, startedAt: number): void {
  const { sent, completed, rows, inDlq, redriven, ...others } = counts;
  const extra = Object.entries(others).map(([name, value]) => `, ${name} ${value}`);
  process.stdout.write(
    `[reliability] ${suite}: sent ${sent}, completed ${completed}, rows ${rows}, in DLQ ${inDlq}, redriven ${redriven}${extra.join('')} (${((Date.now() - startedAt) / 1000).toFixed(1)} s)\n`,
  );
}

/**
 * The shared last step of the suites that follow the notifications: once the stored
 * state is reached, every accepted appointment was announced COMPLETED at least once
 * (none lost), no announcement names anything else, and every announcement, repeats
 * included, is the change as stored. Returns the counts the suites print.
 */
export async function thenEveryCompletionWasAnnounced(
  stack: LocalStack,
  subscriber: StatusChangeSubscriber,
  acceptedIds: readonly string[],
  timeoutMs: number,
): Promise<{ notified: number; notifications: number }> {
  const heardCompleted = (id: string) => subscriber.statusesOf(id).includes(AppointmentStatus.COMPLETED);
  await subscriber.waitUntil(() => acceptedIds.every(heardCompleted), timeoutMs);
  const counts = {
    notified: new Set(subscriber.received.map((change) => change.appointmentId)).size,
    notifications: subscriber.received.length,
  };
  expect(acceptedIds.filter((id) => !heardCompleted(id))).toEqual([]);
  const accepted = new Set(acceptedIds);
  expect(subscriber.received.filter((change) => !accepted.has(change.appointmentId))).toEqual([]);
  expect(unlikeStored(subscriber.received, await storedAppointments(stack))).toEqual([]);
  return counts;
}

type ContestPlan = { readonly slots: number; readonly contenders: number; readonly cancellations: number };

/** Who books in a contest plan: `contenders` insured people per slot from 80000, one per cancellation from 90000 (apart from bookAppointments'). */
function contestInsuredIds({ slots, contenders, cancellations }: ContestPlan) {
  return {
    ofSlot: (slot: number) => Array.from({ length: contenders }, (_, index) => String(80_000 + slot * contenders + index)),
    ofCancellation: (index: number) => String(90_000 + index),
    all: () => [
      ...Array.from({ length: slots * contenders }, (_, index) => String(80_000 + index)),
      ...Array.from({ length: cancellations }, (_, index) => String(90_000 + index)),
    ],
  };
}

/** Bookings that contend for one slot, and bookings cancelled as soon as they were accepted. */
export interface ContestsAndCancellations {
  /** Per slot, every insured person's appointment for it. */
  readonly contests: readonly { readonly scheduleId: number; readonly countryISO: CountryISO; readonly bookings: readonly Appointment[] }[];
  /** Accepted, then cancelled at once: their cancellation may overtake their booking in the queues. */
  readonly cancelled: readonly Appointment[];
  /** Answers a client could not act on, or refusals: a suite expects none. */
  readonly problems: readonly string[];
}

/**
 * The booking semantics under a suite's faults: `slots` fresh slots each booked by `contenders`
 * insured people at once, and `cancellations` more bookings cancelled the moment they are accepted.
 * Their slots are the ones `publishTheSlotsToBook` published for the plan's contests.
 */
export async function whenSlotsAreContestedAndBookingsCancelled(stack: LocalStack, plan: ContestPlan): Promise<ContestsAndCancellations> {
  const insured = contestInsuredIds(plan);
  const api = developerOf(stack);
  const problems: string[] = [];
  const book = async (input: { insuredId: string; scheduleId: number; countryISO: CountryISO }) => {
    const answer = await api.bookAppointment(input);
    if (!answer.appointment) problems.push(`booking refused: ${JSON.stringify(answer.errors)}`);
    return answer.appointment;
  };
  const slots = slotsOf(stack);
  const contests = await Promise.all(
    Array.from({ length: plan.slots }, async (_, index) => {
      const slot = slots.next(countryOf(index));
      const bookings = await Promise.all(insured.ofSlot(index).map((insuredId) => book({ insuredId, ...slot })));
      return { ...slot, bookings: bookings.filter((booking): booking is Appointment => booking !== undefined) };
    }),
  );
  const cancelled = await Promise.all(
    Array.from({ length: plan.cancellations }, async (_, index) => {
      const booked = await book({ insuredId: insured.ofCancellation(index), ...slots.next(countryOf(index)) });
      if (!booked) return undefined;
      const answer = await api.cancelAppointment(booked);
      if (answer.appointment?.status !== AppointmentStatus.CANCELLED)
        problems.push(`cancellation refused: ${JSON.stringify(answer.errors)}`);
      return booked;
    }),
  );
  return { contests, cancelled: cancelled.filter((booking): booking is Appointment => booking !== undefined), problems };
}

/** The insured people `whenSlotsAreContestedAndBookingsCancelled` books for, to subscribe before it runs. */
export function insuredIdsOfContests(plan: ContestPlan): string[] {
  return contestInsuredIds(plan).all();
}

/**
 * Once the pipeline is idle: each contested slot has exactly one COMPLETED appointment, the
 * rest REJECTED as SLOT_TAKEN, and one SCHEDULED row; each cancelled booking is CANCELLED with
 * a CANCELLED row (so it holds no slot); every appointment has one row, agreeing with it; and
 * each final status was announced. Returns the counts the suites print.
 */
/** The slots these appointments booked, as `<country>#<scheduleId>`. */
function slotsOfTheseAppointments(appointments: readonly Appointment[]): ReadonlySet<string> {
  return new Set(appointments.map((appointment) => `${appointment.countryISO}#${appointment.scheduleId}`));
}

async function* onlyThese<Slot extends { countryISO: CountryISO; scheduleId: number }>(
  slots: AsyncIterable<Slot>,
  keys: ReadonlySet<string>,
): AsyncIterable<Slot> {
  for await (const slot of slots) if (keys.has(`${slot.countryISO}#${slot.scheduleId}`)) yield slot;
}

async function* slotStatesOfEveryCountry(pool: Pool) {
  for (const country of Object.values(countries)) yield* slotStatesOf(pool, country);
}

export async function thenEachSlotHasOneHolderAndCancellationsHold(
  stack: LocalStack,
  pool: Pool,
  subscriber: StatusChangeSubscriber,
  traffic: ContestsAndCancellations,
  timeoutMs: number,
): Promise<{ rejected: number; cancelled: number }> {
  expect(traffic.problems).toEqual([]);
  const all = [...traffic.contests.flatMap((contest) => contest.bookings), ...traffic.cancelled];
  const stored = new Map((await storedAppointments(stack)).map((appointment) => [appointment.appointmentId, appointment]));
  const statusOf = (appointment: Appointment) => stored.get(appointment.appointmentId)?.status;
  for (const contest of traffic.contests) {
    expect(contest.bookings.map(statusOf).sort()).toEqual(['COMPLETED', ...contest.bookings.slice(1).map(() => 'REJECTED')]);
  }
  const rejected = all.filter((appointment) => statusOf(appointment) === AppointmentStatus.REJECTED);
  expect(rejected.map((appointment) => stored.get(appointment.appointmentId)?.rejectionReason)).toEqual(rejected.map(() => 'SLOT_TAKEN'));
  expect(traffic.cancelled.map(statusOf)).toEqual(traffic.cancelled.map(() => AppointmentStatus.CANCELLED));
  // One row per appointment, whose status is the one its appointment's status leads to.
  const rows = await scheduledRows(
    pool,
    all.map((appointment) => appointment.appointmentId),
  );
  expect(rows).toHaveLength(all.length);
  // And the read model apps browse agrees with each country on these slots: the announcements converged, whatever
  // was delivered twice, late or after a retry (the reconciler's drift check, on the suite's slots only).
  const ofTheseSlots = slotsOfTheseAppointments(all);
  const dynamodb = localDynamoDbClient(stack.dynamodbEndpoint);
  const readModel = new DynamoDbSlotReadModel(dynamodb, stack.slotsTableName);
  const reconciliation = await reconcileAppointments(0, {
    appointments: () => all.map((appointment) => stored.get(appointment.appointmentId)!),
    countryRows: () => rows.map((row) => ({ ...row, countryISO: row.schemaCountry })),
    slots: {
      readModelSlots: () => onlyThese(readModel.slotStates(), ofTheseSlots),
      countrySlots: () => onlyThese(slotStatesOfEveryCountry(pool), ofTheseSlots),
    },
  }).finally(() => dynamodb.destroy());
  expect(reconciliation.rowsDisagreeingWithAppointment).toEqual([]);
  expect(reconciliation.stuckPending).toEqual([]);
  expect(reconciliation.slots?.countrySlotsChecked).toBe(ofTheseSlots.size);
  expect(reconciliation.slots?.readModelSlotsChecked).toBe(ofTheseSlots.size);
  expect(reconciliation.slots?.slotsDrifting).toEqual([]);
  // Each final status reached the subscribers (repeats allowed; never a status that was not stored at some point).
  const heardFinal = (appointment: Appointment) => subscriber.statusesOf(appointment.appointmentId).includes(statusOf(appointment)!);
  await subscriber.waitUntil(() => all.every(heardFinal), timeoutMs);
  expect(all.filter((appointment) => !heardFinal(appointment)).map((appointment) => appointment.appointmentId)).toEqual([]);
  return { rejected: rejected.length, cancelled: traffic.cancelled.length };
}
