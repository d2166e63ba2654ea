import { isDeepStrictEqual } from 'node:util';
import fc from 'fast-check';
import type { Pool } from 'mysql2/promise';
import type { Appointment } from '../../core/graphql/types.generated';
import { reconcileAppointments } from '../../core/use-cases/reconcile-appointments';
import { BookingModel, lifecycle, rowStatusFor, type Country, type ModelAppointment, type Refusal } from '../model/booking-model';
import { startTestTable, type TestTable } from '../support/dynamodb';
import { countryRows, describeWithMysql, testPool } from '../support/mysql';
import { given } from '../steps';
import { aBookingSystem, asModelDecision, asModelMessage, book, cancel, reschedule, type BookingSystem } from './booking-system';

/**
 * Issue 31, the model: random sequences of bookings, retries, cancellations, moves and deliveries (late, twice,
 * out of order, after a crash between commit and acknowledgement) run against the real use cases on dynalite and
 * MariaDB, beside a reference model (test/model/booking-model.ts). After every step the two must agree; after the
 * queues are drained, the booking guarantees must hold.
 *
 * Bounded for `npm test`: a fixed seed and RUNS sequences. `npm run test:properties -- --runs 500` runs more;
 * FC_SEED (and FC_PATH, with the replayPath fast-check prints) replays a failure.
 */
const RUNS = Number(process.env.FC_RUNS ?? 150);
const RACING_RUNS = Math.ceil((RUNS * 2) / 3);
const SEED = Number(process.env.FC_SEED ?? 31);
const SLOTS_PER_COUNTRY = 3;
const PEOPLE = 3;
const MAX_COMMANDS = 25;

/** One run's world: its own insured people and slots, so runs never meet in the shared MariaDB. */
interface Run {
  readonly system: BookingSystem;
  readonly insured: readonly string[];
  readonly slots: Readonly<Record<Country, readonly number[]>>;
  correlations: number;
}

type Real = Run;
type Step = fc.AsyncCommand<BookingModel, Real>;

const correlationId = (run: Run) => `property-${++run.correlations}`;

/** The outcome of a request: its answer, or the name of the error it was refused with. */
async function answerOf<T>(request: Promise<T>): Promise<{ answer: T } | { refusal: string }> {
  try {
    return { answer: await request };
  } catch (error) {
    return { refusal: (error as Error).name };
  }
}

/** The stored appointment agrees with the model's: status, slot and pending move. */
async function expectStoredAsModelled(run: Run, modelled: ModelAppointment, after: string): Promise<void> {
  const stored = await run.system.appointments.get(modelled);
  expect({ after, appointment: summaryOf(stored) }).toEqual({ after, appointment: modelSummaryOf(modelled) });
}

const summaryOf = (stored: Appointment | undefined) =>
  stored && { status: stored.status, scheduleId: stored.scheduleId, pendingMoveTo: stored.pendingReschedule?.to.scheduleId ?? null };
const modelSummaryOf = (modelled: ModelAppointment) => ({
  status: modelled.status,
  scheduleId: modelled.scheduleId,
  pendingMoveTo: modelled.pendingMove?.to ?? null,
});

/** Both queues hold the same messages in the same order as the model's: every step published what it should have. */
function expectQueuesAsModelled(model: BookingModel, run: Run, after: string): void {
  expect({ after, countryQueue: run.system.countryQueue.map(asModelMessage) }).toEqual({ after, countryQueue: model.countryQueue });
  expect({ after, confirmationQueue: run.system.confirmationQueue.map(asModelDecision) }).toEqual({
    after,
    confirmationQueue: model.confirmationQueue,
  });
}

/** When an insured person books a slot (sometimes one they booked already: the same booking again). */
class Book implements Step {
  constructor(
    readonly person: number,
    readonly countryISO: Country,
    readonly slot: number,
  ) {}
  check = () => true;
  async run(model: BookingModel, run: Run): Promise<void> {
    const insuredId = run.insured[this.person]!;
    const scheduleId = run.slots[this.countryISO][this.slot]!;
    await booking(model, run, insuredId, this.countryISO, scheduleId, this.toString());
  }
  toString = () => `book(person ${this.person}, ${this.countryISO} slot ${this.slot})`;
}

/** When a client retries a booking it sent before (its answer lost): the same insured person, country and slot. */
class RetryBooking implements Step {
  constructor(readonly appointment: number) {}
  check = (model: Readonly<BookingModel>) => model.order.length > 0;
  async run(model: BookingModel, run: Run): Promise<void> {
    const earlier = model.appointmentAt(this.appointment)!;
    await booking(model, run, earlier.insuredId, earlier.countryISO, earlier.bookedScheduleId, this.toString());
  }
  toString = () => `retryBooking(appointment ${this.appointment})`;
}

async function booking(model: BookingModel, run: Run, insuredId: string, countryISO: Country, scheduleId: number, step: string) {
  const existing = model.existingBookingsOf(insuredId, countryISO, scheduleId);
  const answer = await book(run.system, insuredId, countryISO, scheduleId, correlationId(run));
  if (existing.length > 0) {
    // A repeated booking answers with the appointment that holds the slot, never a second one.
    const holding = existing.map((appointment) => appointment.appointmentId);
    if (!holding.includes(answer.appointmentId)) {
      throw new Error(`${step}: answered with ${answer.appointmentId}, a second appointment, while ${holding.join(', ')} holds the slot`);
    }
    model.bookedAgain(model.appointments.get(answer.appointmentId)!);
  } else {
    expect({ step, new: !model.appointments.has(answer.appointmentId), status: answer.status }).toEqual({
      step,
      new: true,
      status: 'PENDING',
    });
    model.booked(answer.appointmentId, insuredId, countryISO, scheduleId);
  }
  await expectStoredAsModelled(run, model.appointments.get(answer.appointmentId)!, step);
  expectQueuesAsModelled(model, run, step);
}

/**
 * When `racers` identical bookings arrive at once (a client retrying before its first answer came, or two taps),
 * while SNS refuses the next `refusedPublishes` publishes (0: none; a few: a passing outage; many: an outage).
 * Who wins the claim is the system's race, so the step checks what must hold for any winner: one appointment at
 * most, every answer naming it, only "try again" refusals and only while SNS refuses, only its booking sent.
 */
class RacingBookings implements Step {
  constructor(
    readonly person: number,
    readonly countryISO: Country,
    readonly slot: number,
    readonly racers: number,
    readonly refusedPublishes: number,
  ) {}
  check = () => true;
  async run(model: BookingModel, run: Run): Promise<void> {
    const step = this.toString();
    const insuredId = run.insured[this.person]!;
    const scheduleId = run.slots[this.countryISO][this.slot]!;
    const holding = model.existingBookingsOf(insuredId, this.countryISO, scheduleId).map((appointment) => appointment.appointmentId);
    const queuedBefore = run.system.countryQueue.length;

    run.system.refusedPublishes = this.refusedPublishes;
    const results = await Promise.all(
      Array.from({ length: this.racers }, () => answerOf(book(run.system, insuredId, this.countryISO, scheduleId, correlationId(run)))),
    );
    run.system.refusedPublishes = 0;

    const refusals = results.flatMap((result) => ('refusal' in result ? [result.refusal] : []));
    const answered = [...new Set(results.flatMap((result) => ('answer' in result ? [result.answer.appointmentId] : [])))];
    const listed = await run.system.appointments.listByInsured(insuredId, { limit: 100 });
    const created = listed.items.filter((appointment) => !model.appointments.has(appointment.appointmentId));
    const sent = run.system.countryQueue.slice(queuedBefore).map(asModelMessage);
    const holder = created[0]?.appointmentId ?? holding[0];
    expect({
      step,
      // Refused only while SNS refuses, and only with the error that tells the client to try again.
      refusals: this.refusedPublishes === 0 ? refusals : [...new Set(refusals)],
      // A retry never makes a second appointment, nor a new one beside one that holds the slot.
      created: created.map((appointment) => ({ status: appointment.status, scheduleId: appointment.scheduleId })),
      // Every answer names the appointment that holds the slot, and that appointment exists.
      answered: answered.filter((appointmentId) => appointmentId !== holder),
      // Only that appointment's booking was sent.
      sent: sent.filter((message) => message.kind !== 'book' || message.appointmentId !== holder),
    }).toEqual({
      step,
      refusals: refusals.length === 0 ? [] : ['SchedulingUnavailableError'],
      created: created.length === 0 || holding.length > 0 ? [] : [{ status: 'PENDING', scheduleId }],
      answered: [],
      sent: [],
    });
    if (created[0]) model.stored(created[0].appointmentId, insuredId, this.countryISO, scheduleId);
    model.countryQueue.push(...sent);
    for (const _refusal of refusals) model.retriesOwed.push({ insuredId, countryISO: this.countryISO, scheduleId });
    if (holder) await expectStoredAsModelled(run, model.appointments.get(holder)!, step);
    expectQueuesAsModelled(model, run, step);
  }
  toString = () =>
    `racingBookings(person ${this.person}, ${this.countryISO} slot ${this.slot}, ${this.racers} at once, SNS refusing ${this.refusedPublishes})`;
}

/** When a client whose booking was refused with SchedulingUnavailableError tries it again, as the error tells it to. */
class RetryAfterUnavailable implements Step {
  check = (model: Readonly<BookingModel>) => model.retriesOwed.length > 0;
  async run(model: BookingModel, run: Run): Promise<void> {
    const { insuredId, countryISO, scheduleId } = model.retriesOwed.shift()!;
    await booking(model, run, insuredId, countryISO, scheduleId, this.toString());
  }
  toString = () => 'retryAfterUnavailable()';
}

/** When the insured person cancels an appointment (any status: a REJECTED one is refused). */
class Cancel implements Step {
  constructor(readonly appointment: number) {}
  check = (model: Readonly<BookingModel>) => model.order.length > 0;
  async run(model: BookingModel, run: Run): Promise<void> {
    const modelled = model.appointmentAt(this.appointment)!;
    const result = await answerOf(cancel(run.system, modelled, correlationId(run)));
    const refusal = model.cancel(modelled);
    expect({ step: this.toString(), refusal: 'refusal' in result ? result.refusal : undefined }).toEqual({
      step: this.toString(),
      refusal,
    });
    await expectStoredAsModelled(run, modelled, this.toString());
    expectQueuesAsModelled(model, run, this.toString());
  }
  toString = () => `cancel(appointment ${this.appointment})`;
}

/** When the insured person moves an appointment to another slot of its country (maybe the one it holds, maybe while a move is pending). */
class Reschedule implements Step {
  constructor(
    readonly appointment: number,
    readonly slot: number,
  ) {}
  check = (model: Readonly<BookingModel>) => model.order.length > 0;
  async run(model: BookingModel, run: Run): Promise<void> {
    const modelled = model.appointmentAt(this.appointment)!;
    const to = run.slots[modelled.countryISO][this.slot]!;
    const expected: 'new' | 'again' | Refusal = model.moveAsked(modelled, to);
    const result = await answerOf(reschedule(run.system, modelled, to, correlationId(run)));
    const step = this.toString();
    if ('refusal' in result) {
      expect({ step, refusal: result.refusal }).toEqual({ step, refusal: expected });
    } else {
      expect({ step, accepted: true }).toEqual({ step, accepted: expected === 'new' || expected === 'again' });
      const moveId = result.answer.pendingReschedule!.moveId;
      // The same move asked again is sent again under its own id.
      if (expected === 'again') expect({ step, moveId }).toEqual({ step, moveId: modelled.pendingMove!.moveId });
      model.moveSent(modelled, to, moveId);
    }
    await expectStoredAsModelled(run, modelled, step);
    expectQueuesAsModelled(model, run, step);
  }
  toString = () => `reschedule(appointment ${this.appointment} → slot ${this.slot})`;
}

/**
 * How a worker's delivery ends: acknowledged; or its function died after its work was committed and before SQS
 * heard, so the message comes back later (here: at the back of the queue).
 */
type Ending = 'ack' | 'crashBeforeAck';

/** Then a country worker takes the `index`-th waiting message (any of them: SQS does not keep order). */
class DeliverToCountry implements Step {
  constructor(
    readonly index: number,
    readonly ending: Ending,
    readonly during = '',
  ) {}
  check = (model: Readonly<BookingModel>) => model.countryQueue.length > 0;
  async run(model: BookingModel, run: Run): Promise<void> {
    const { real, modelled } = take(run.system.countryQueue, model.countryQueue, this.index, this.ending);
    await run.system.deliverToCountry(real);
    model.confirmationQueue.push(model.applyInCountry(modelled));
    const step = this.toString();
    const [row] = await countryRows(pool, modelled.countryISO, [modelled.appointmentId]);
    const modelRow = model.rows.get(modelled.appointmentId);
    expect({ step, row: row && { status: row.status, scheduleId: row.schedule_id } }).toEqual({
      step,
      row: modelRow && { status: modelRow.status, scheduleId: modelRow.scheduleId },
    });
    expectQueuesAsModelled(model, run, step);
  }
  toString = () => `${this.during}deliverToCountry(#${this.index}, ${this.ending})`;
}

/** Then the completion worker takes the `index`-th waiting decision. */
class DeliverDecision implements Step {
  constructor(
    readonly index: number,
    readonly ending: Ending,
    readonly during = '',
  ) {}
  check = (model: Readonly<BookingModel>) => model.confirmationQueue.length > 0;
  async run(model: BookingModel, run: Run): Promise<void> {
    const { real, modelled } = take(run.system.confirmationQueue, model.confirmationQueue, this.index, this.ending);
    await run.system.deliverDecision(real);
    model.applyDecision(modelled);
    const step = this.toString();
    await expectStoredAsModelled(run, model.appointments.get(modelled.appointmentId)!, step);
    expectQueuesAsModelled(model, run, step);
  }
  toString = () => `${this.during}deliverDecision(#${this.index}, ${this.ending})`;
}

/**
 * Then two workers take two waiting messages at once, as SQS hands a queue's messages to several function
 * instances: a holder's cancellation and another's booking of its slot, a booking and its own cancellation, two
 * moves to one slot, a decision and its duplicate. What the stores hold after must be what the model reaches taking
 * the two one after the other, in one order or the other. A delivery that fails (InnoDB ends one of two deadlocked
 * transactions) changed nothing, and comes back as SQS would hand it again.
 */
class RacingDeliveries implements Step {
  constructor(
    readonly queue: 'country' | 'confirmation',
    readonly first: number,
    readonly second: number,
  ) {}
  check = (model: Readonly<BookingModel>) => (this.queue === 'country' ? model.countryQueue : model.confirmationQueue).length >= 2;
  async run(model: BookingModel, run: Run): Promise<void> {
    const step = this.toString();
    if (this.queue === 'country') {
      const decided = await race(model, run.system.countryQueue, model.countryQueue, [this.first, this.second], {
        deliver: (message) => run.system.deliverToCountry(message),
        apply: (candidate, message) => candidate.confirmationQueue.push(candidate.applyInCountry(message)),
        observed: (candidate, messages) => ({
          rows: messages.map(({ appointmentId }) => candidate.rows.get(appointmentId) ?? null).map(rowSummaryOf),
          decisions: candidate.confirmationQueue
            .slice(candidate.confirmationQueue.length - messages.length)
            .map((decision) => JSON.stringify(decision))
            .sort(),
        }),
        stored: async (messages) => ({
          rows: await Promise.all(
            messages.map(async ({ appointmentId, countryISO }) => (await countryRows(pool, countryISO, [appointmentId]))[0] ?? null),
          ).then((rows) => rows.map((row) => rowSummaryOf(row && { status: row.status, scheduleId: row.schedule_id }))),
          decisions: run.system.confirmationQueue
            .slice(run.system.confirmationQueue.length - messages.length)
            .map(asModelDecision)
            .map((decision) => JSON.stringify(decision))
            .sort(),
        }),
        step,
      });
      // The decisions are on the queue in the order the workers finished, whichever order the model took them in.
      model.confirmationQueue.splice(
        model.confirmationQueue.length - decided.length,
        decided.length,
        ...run.system.confirmationQueue.slice(run.system.confirmationQueue.length - decided.length).map(asModelDecision),
      );
    } else {
      const decided = await race(model, run.system.confirmationQueue, model.confirmationQueue, [this.first, this.second], {
        deliver: (outcome) => run.system.deliverDecision(outcome),
        apply: (candidate, decision) => candidate.applyDecision(decision),
        observed: (candidate, decisions) =>
          decisions.map(({ appointmentId }) => modelSummaryOf(candidate.appointments.get(appointmentId)!)),
        stored: (decisions) =>
          Promise.all(
            decisions.map(async (decision) =>
              summaryOf(await run.system.appointments.get(model.appointments.get(decision.appointmentId)!)),
            ),
          ),
        step,
      });
      for (const decision of decided) await expectStoredAsModelled(run, model.appointments.get(decision.appointmentId)!, step);
    }
    expectQueuesAsModelled(model, run, step);
  }
  toString = () => `racingDeliveries(${this.queue} #${this.first} and #${this.second})`;
}

const rowSummaryOf = (row: { status: string; scheduleId: number } | null) => row && `${row.status} at ${row.scheduleId}`;

interface Race<R, M> {
  deliver(message: R): Promise<void>;
  apply(candidate: BookingModel, message: M): void;
  /** What the model says the stores hold for these messages' appointments, comparable with `stored`. */
  observed(candidate: BookingModel, messages: readonly M[]): unknown;
  stored(messages: readonly M[]): Promise<unknown>;
  step: string;
}

/**
 * Takes two messages off both queues, delivers the real ones at once, and leaves `model` in whichever order of
 * the delivered ones agrees with the stores (failing the step when neither does). Answers the delivered messages.
 */
async function race<R, M>(model: BookingModel, real: R[], modelled: M[], indices: [number, number], how: Race<R, M>): Promise<M[]> {
  const first = indices[0] % real.length;
  const second = (first + 1 + (indices[1] % (real.length - 1))) % real.length;
  const taken = [first, second].map((at) => ({ real: real[at]!, modelled: modelled[at]! }));
  for (const at of [first, second].sort((a, b) => b - a)) {
    real.splice(at, 1);
    modelled.splice(at, 1);
  }
  const settled = await Promise.allSettled(taken.map((message) => how.deliver(message.real)));
  const delivered = taken.filter((_, index) => settled[index]!.status === 'fulfilled').map((message) => message.modelled);
  for (const [index, message] of taken.entries()) {
    if (settled[index]!.status === 'fulfilled') continue;
    real.push(message.real);
    modelled.push(message.modelled);
  }
  const orders = delivered.length === 2 ? [delivered, [...delivered].reverse()] : [delivered];
  const candidates = orders.map((order) => {
    const candidate = model.copy();
    for (const message of order) how.apply(candidate, message);
    return candidate;
  });
  const stored = await how.stored(delivered);
  const agreeing = candidates.find((candidate) => isDeepStrictEqual(how.observed(candidate, delivered), stored));
  if (!agreeing) {
    expect({ step: how.step, stored }).toEqual({
      step: how.step,
      oneOf: candidates.map((candidate) => how.observed(candidate, delivered)),
    });
  }
  model.adopt(agreeing!);
  return delivered;
}

/** SNS, EventBridge or SQS hands the `index`-th waiting message over twice. */
class Duplicate implements Step {
  constructor(
    readonly queue: 'country' | 'confirmation',
    readonly index: number,
  ) {}
  check = (model: Readonly<BookingModel>) => (this.queue === 'country' ? model.countryQueue : model.confirmationQueue).length > 0;
  run(model: BookingModel, run: Run): Promise<void> {
    if (this.queue === 'country') duplicate(run.system.countryQueue, model.countryQueue, this.index);
    else duplicate(run.system.confirmationQueue, model.confirmationQueue, this.index);
    return Promise.resolve();
  }
  toString = () => `duplicate(${this.queue} #${this.index})`;
}

/** The same message off both queues: removed when acknowledged, put back at the end when the worker crashed before acknowledging. */
function take<R, M>(real: R[], modelled: M[], index: number, ending: Ending): { real: R; modelled: M } {
  const at = index % real.length;
  const taken = { real: real.splice(at, 1)[0]!, modelled: modelled.splice(at, 1)[0]! };
  if (ending === 'crashBeforeAck') {
    real.push(taken.real);
    modelled.push(taken.modelled);
  }
  return taken;
}

function duplicate<R, M>(real: R[], modelled: M[], index: number): void {
  const at = index % real.length;
  real.push(real[at]!);
  modelled.push(modelled[at]!);
}

/** Who books what: the countries, insured people and slots a sequence may name, and how often workers race. */
interface World {
  readonly countries: readonly Country[];
  readonly people: number;
  readonly slots: number;
  /** How many of the step kinds are racing deliveries: the weight of two workers at once among the steps. */
  readonly racing: number;
}

/** Every step over `world`'s people and slots; step kinds are equally likely, racing deliveries `world.racing` times over. */
function stepsOver(world: World) {
  const country = fc.constantFrom<Country>(...world.countries);
  const person = fc.nat(world.people - 1);
  const slot = fc.nat(world.slots - 1);
  const ending = fc.constantFrom<Ending>('ack', 'ack', 'crashBeforeAck');
  const queue = fc.constantFrom<'country' | 'confirmation'>('country', 'confirmation');
  return [
    fc.tuple(person, country, slot).map(([who, where, which]) => new Book(who, where, which)),
    fc.nat(20).map((appointment) => new RetryBooking(appointment)),
    fc
      .tuple(person, country, slot, fc.integer({ min: 1, max: 4 }), fc.constantFrom(0, 0, 1, 2, 99))
      .map(([who, where, which, racers, refused]) => new RacingBookings(who, where, which, racers, refused)),
    fc.constant(new RetryAfterUnavailable()),
    fc.nat(20).map((appointment) => new Cancel(appointment)),
    fc.tuple(fc.nat(20), slot).map(([appointment, to]) => new Reschedule(appointment, to)),
    ...[0, 1].map(() => fc.tuple(fc.nat(20), ending).map(([index, end]) => new DeliverToCountry(index, end))),
    ...[0, 1].map(() => fc.tuple(fc.nat(20), ending).map(([index, end]) => new DeliverDecision(index, end))),
    fc.tuple(queue, fc.nat(20)).map(([which, index]) => new Duplicate(which, index)),
    ...Array.from({ length: world.racing }, () =>
      fc.tuple(queue, fc.nat(20), fc.nat(20)).map(([which, first, second]) => new RacingDeliveries(which, first, second)),
    ),
  ];
}

/** The broad world: both countries, a few people and slots, workers racing now and then. */
const broad: World = { countries: ['PE', 'CL'], people: PEOPLE, slots: SLOTS_PER_COUNTRY, racing: 1 };
/** The racing world: one country, two people, two slots, and workers racing as often as anything else happens. */
const racing: World = { countries: ['PE'], people: 2, slots: 2, racing: 6 };

let table: TestTable;
let pool: Pool;

/** The retries clients owe, then every message delivered and acknowledged, oldest first, until both queues are empty (each checked as a step). */
async function drain(model: BookingModel, run: Run): Promise<void> {
  while (model.retriesOwed.length > 0) await new RetryAfterUnavailable().run(model, run);
  for (let deliveries = 0; model.countryQueue.length + model.confirmationQueue.length > 0; deliveries++) {
    if (deliveries > 500) throw new Error('The queues did not drain in 500 deliveries');
    const step = model.countryQueue.length > 0 ? new DeliverToCountry(0, 'ack', 'drain: ') : new DeliverDecision(0, 'ack', 'drain: ');
    await step.run(model, run);
  }
}

/** The guarantees, on what the real stores hold once nothing is travelling. */
async function thenTheGuaranteesHold(model: BookingModel, run: Run): Promise<void> {
  const ids = [...model.order];
  const stored = (await Promise.all(ids.map((appointmentId) => run.system.appointments.get(model.appointments.get(appointmentId)!)))).map(
    (appointment, index) => appointment ?? { appointmentId: ids[index]!, missing: true as const },
  );
  const present = stored.filter((appointment): appointment is Appointment => !('missing' in appointment));
  const rows = (await Promise.all((['PE', 'CL'] as const).map((country) => countryRows(pool, country, ids)))).flat();

  // A retry never makes a second appointment: the insured people's appointments are exactly the model's.
  const listed = await Promise.all(run.insured.map((insuredId) => run.system.appointments.listByInsured(insuredId, { limit: 100 })));
  expect(listed.flatMap((page) => page.items.map((item) => item.appointmentId)).sort()).toEqual([...ids].sort());
  expect(present).toHaveLength(ids.length);

  // At most one holder per slot per country, in the country's rows and in what insured people are shown.
  const holders = new Map<string, string[]>();
  const hold = (key: string, appointmentId: string) => holders.set(key, [...(holders.get(key) ?? []), appointmentId]);
  for (const row of rows) if (row.status === 'SCHEDULED') hold(`row ${row.country_iso} ${row.schedule_id}`, row.appointment_id);
  for (const appointment of present) {
    if (appointment.status === 'COMPLETED') hold(`shown ${appointment.countryISO} ${appointment.scheduleId}`, appointment.appointmentId);
  }
  expect([...holders].filter(([, holding]) => holding.length > 1)).toEqual([]);

  // DynamoDB agrees with the countries once the queues are empty: the reconciler finds nothing, even at threshold 0.
  const reconciliation = await reconcileAppointments(0, {
    appointments: () => present,
    countryRows: () =>
      rows.map((row) => ({
        appointmentId: row.appointment_id,
        countryISO: row.country_iso as Country,
        scheduleId: row.schedule_id,
        status: row.status as 'SCHEDULED' | 'REJECTED' | 'CANCELLED',
        // Everything is settled now, so every row counts, however young.
        scheduledAt: new Date(0),
      })),
  });
  expect(reconciliation.stuckPending.map((appointment) => appointment.appointmentId)).toEqual([]);
  expect(reconciliation.rowsDisagreeingWithAppointment).toEqual([]);
  // …and on the slot too, which the reconciler does not compare: an appointment is shown where its country holds it.
  const rowById = new Map(rows.map((row) => [row.appointment_id, row]));
  const disagreeing = present
    .filter((appointment) => appointment.status === 'COMPLETED')
    .map((appointment) => ({
      appointmentId: appointment.appointmentId,
      shown: appointment.scheduleId,
      row: rowById.get(appointment.appointmentId),
    }))
    .filter(({ shown, row }) => row?.status !== 'SCHEDULED' || row.schedule_id !== shown)
    .map(({ appointmentId, shown, row }) => ({ appointmentId, shown, country: row && `${row.status} at ${row.schedule_id}` }));
  expect(disagreeing).toEqual([]);
  for (const appointment of present)
    expect([appointment.appointmentId, appointment.status, rowById.get(appointment.appointmentId)?.status]).toEqual([
      appointment.appointmentId,
      appointment.status,
      rowStatusFor[appointment.status],
    ]);

  // Only the lifecycle's transitions were ever stored (NONE → PENDING when booked; PENDING → GONE: a duplicate discarded).
  const illegal = run.system.appointments.changes.filter(
    ({ from, to }) =>
      !(from === 'NONE' && to === 'PENDING') &&
      !(from === 'PENDING' && to === 'GONE') &&
      !(from !== 'NONE' && to !== 'GONE' && lifecycle[from].includes(to)),
  );
  expect(illegal).toEqual([]);

  // Subscribers heard every status the store reached, at least once (a repeated decision announces it again),
  // never one it did not reach; and the newest push of each appointment (by updatedAt, as an app keeps the latest)
  // shows where it stands now.
  const pushes = run.system.pushes;
  const reached = new Set(
    run.system.appointments.changes.filter(({ to }) => to !== 'GONE').map(({ appointmentId, to }) => `${appointmentId} ${to}`),
  );
  const heard = new Set(pushes.map(({ appointmentId, status }) => `${appointmentId} ${status}`));
  const decided = [...reached].filter((change) => !change.endsWith(' PENDING'));
  expect({ unheard: decided.filter((change) => !heard.has(change)) }).toEqual({ unheard: [] });
  expect({ neverStored: [...heard].filter((change) => !reached.has(change)) }).toEqual({ neverStored: [] });
  const newest = new Map<string, (typeof pushes)[number]>();
  for (const push of pushes) {
    const known = newest.get(push.appointmentId);
    if (!known || push.updatedAt >= known.updatedAt) newest.set(push.appointmentId, push);
  }
  const shownStale = present
    .filter((appointment) => newest.has(appointment.appointmentId))
    .map((appointment) => ({ appointment, push: newest.get(appointment.appointmentId)! }))
    .filter(({ appointment, push }) => push.status !== appointment.status || push.scheduleId !== appointment.scheduleId)
    .map(
      ({ appointment, push }) =>
        `${appointment.appointmentId}: ${appointment.status} at ${appointment.scheduleId}, newest push ${push.status} at ${push.scheduleId}`,
    );
  expect(shownStale).toEqual([]);

  // And the real stores hold what the model says.
  for (const appointment of present) {
    expect(summaryOf(appointment)).toEqual(modelSummaryOf(model.appointments.get(appointment.appointmentId)!));
  }
}

/** One sequence against a fresh model and fresh people and slots (runs share the table and the MariaDB, never their slots); then drained and checked. */
async function runAndCheck(commands: Iterable<Step>): Promise<void> {
  const model = new BookingModel();
  const slots = await given.slotsInTheCatalog(table, { PE: SLOTS_PER_COUNTRY, CL: SLOTS_PER_COUNTRY });
  const run: Run = {
    system: aBookingSystem(table, pool),
    insured: given.insuredPeople(PEOPLE),
    slots: {
      PE: Array.from({ length: SLOTS_PER_COUNTRY }, (_, index) => slots.at(index, 'PE').scheduleId),
      CL: Array.from({ length: SLOTS_PER_COUNTRY }, (_, index) => slots.at(index, 'CL').scheduleId),
    },
    correlations: 0,
  };
  await fc.asyncModelRun(() => Promise.resolve({ model, real: run }), commands);
  await drain(model, run);
  await thenTheGuaranteesHold(model, run);
}

async function checkSequencesOver(world: World, runs: number): Promise<void> {
  await fc.assert(
    fc.asyncProperty(
      fc.commands(stepsOver(world), { maxCommands: MAX_COMMANDS, size: 'medium', replayPath: process.env.FC_REPLAY_PATH }),
      runAndCheck,
    ),
    { numRuns: runs, seed: SEED, path: process.env.FC_PATH, endOnFailure: process.env.FC_PATH !== undefined },
  );
}

describeWithMysql('booking guarantees under at-least-once, unordered delivery (a model-based property)', () => {
  beforeAll(async () => {
    table = await startTestTable();
    pool = testPool();
  });
  afterAll(async () => {
    await pool.end();
    await table.stop();
  });

  it(
    `given ${PEOPLE} insured people and ${SLOTS_PER_COUNTRY} slots per country, when any sequence of bookings, retries, cancellations, moves and deliveries runs and the queues drain, then each step does what the model says and the guarantees hold (${RUNS} runs, seed ${SEED})`,
    () => checkSequencesOver(broad, RUNS),
    60_000 + RUNS * 3_000,
  );

  it(
    `given 2 insured people and 2 slots of one country, when workers race on two messages at once among bookings, cancellations and moves (a holder's cancellation and a rebooking of its slot, two moves to one slot, a decision and its duplicate), then every outcome is one of the two orders the model allows and the guarantees hold (${RACING_RUNS} runs, seed ${SEED})`,
    () => checkSequencesOver(racing, RACING_RUNS),
    60_000 + RACING_RUNS * 3_000,
  );

  // Found by this model (issue 31) and fixed: a move the country refused, delivered again after its new slot was
  // freed, moved the country's row there, while DynamoDB kept the settled refusal and showed the old slot, which the
  // country had given up. The country now records a refused move as decided. (The reconciler compares statuses only,
  // so it could not see this.)
  it('given a move refused because its slot was taken, when that slot is freed and the move is delivered again (its worker crashed before acknowledging), then the appointment is still shown where its country holds it', () =>
    runAndCheck([
      new Book(0, 'PE', 0),
      new Book(1, 'PE', 1),
      new DeliverToCountry(0, 'ack'),
      new DeliverToCountry(0, 'ack'),
      new Reschedule(0, 1),
      new DeliverToCountry(2, 'crashBeforeAck'),
      new DeliverDecision(2, 'ack'),
      new Cancel(1),
      new DeliverToCountry(1, 'ack'),
      new DeliverToCountry(0, 'ack'),
    ]));
});
