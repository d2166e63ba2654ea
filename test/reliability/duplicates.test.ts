import type { Pool } from 'mysql2/promise';
import { AppointmentStatus } from '../../core/domain/appointment';
import { countryRoute, topology } from '../../core/config/topology';
import type { LocalStack } from '../../local/stack';
import type { Appointment } from '../../core/domain/appointment';
import { subjectsByAppointment } from '../support/emails';
import { describeWithMysql, testPool } from '../support/mysql';
import { subscribeToStatusChanges, type StatusChangeSubscriber } from '../support/status-change-subscriber';
import {
  retriesAfterSeconds,
  bookAppointments,
  deadLetterQueueNames,
  insuredIdsOfBookings,
  listedStatuses,
  printCounts,
  publishTheSlotsToBook,
  RouterTally,
  scheduledRows,
  startReliabilityStack,
  type SuiteCounts,
  thenEachSlotHasOneHolderAndCancellationsHold,
  thenEveryCompletionWasAnnounced,
  whenSlotsAreContestedAndBookingsCancelled,
  insuredIdsOfContests,
} from './support';
import {
  freeSlotsForMoves,
  thenEachMoveHeld,
  thenEveryCompletedAppointmentIsRemindedOnce,
  whenCompletedAppointmentsAreMoved,
  type MovePlan,
} from './moves-and-reminders';

// 300: about 800 duplicate deliveries per queue, in a suite that also emails every confirmation (npm test stays near 5 minutes).
const APPOINTMENTS = 300;
const CLIENTS = 20;
/** How long the announcements may trail the stored changes once the pipeline is idle. */
const ANNOUNCEMENTS_TIMEOUT_MS = 15_000;
/** 10 slots each wanted by 3 insured people, and 20 bookings cancelled at once. */
const CONTESTS = { slots: 10, contenders: 3, cancellations: 20 };
/** 10 moves to free slots, 2 pairs racing for one free slot each, 2 moves onto slots others hold. */
const MOVES: MovePlan = { solo: 10, races: 2, ontoTaken: 2 };
/** Far enough ahead that every reminder of the suite is due: its slots are some 40 days out. */
const EVERY_REMINDER_DUE = () => new Date(Date.now() + 400 * 86_400_000);

describeWithMysql('reliability: every message delivered two or three times', () => {
  const startedAt = Date.now();
  const counts: SuiteCounts<
    | 'messages'
    | 'failedDeliveries'
    | 'notified'
    | 'notifications'
    | 'rejected'
    | 'cancelled'
    | 'emails'
    | 'moved'
    | 'refusedMoves'
    | 'reminderRuns'
    | 'reminders'
  > = {
    sent: 0,
    completed: 0,
    rows: 0,
    inDlq: 0,
    redriven: 0,
    messages: 0,
    failedDeliveries: 0,
    notified: 0,
    notifications: 0,
    rejected: 0,
    cancelled: 0,
    emails: 0,
    moved: 0,
    refusedMoves: 0,
    reminderRuns: 0,
    reminders: 0,
  };
  let stack: LocalStack;
  /** The first test's appointments, all COMPLETED, some moved by the third. */
  let booked: Appointment[] = [];
  /** Every appointment the suite made: whose reminders the last test counts. */
  const everyAppointmentId: string[] = [];
  let pool: Pool;
  let tally: RouterTally;
  let subscriber: StatusChangeSubscriber;

  beforeAll(async () => {
    let sends = 0;
    stack = await startReliabilityStack({
      // A copy that arrives while its twin is being emailed is retried (Powertools: already in progress) after its
      // visibility timeout: seconds here, rather than the deployed minute that every such copy would add to the suite.
      adjustQueue: retriesAfterSeconds,
      // SNS, EventBridge and SQS may each deliver more than once: here every message is stored twice or three times.
      hooks: {
        copiesOnSend: () => 2 + (sends++ % 2),
        // Scheduler and Lambda's event queue may each hand the reminder worker one reminder more than once.
        copiesOnAsyncInvoke: () => {
          counts.reminderRuns += 2;
          return 2;
        },
      },
    });
    // Published under the same copies: each slot is stored once all the same.
    await publishTheSlotsToBook(stack, { bookings: APPOINTMENTS, contests: [CONTESTS], freeForMoves: freeSlotsForMoves(MOVES) });
    tally = new RouterTally(stack.router);
    pool = testPool();
  }, 120_000);

  afterAll(async () => {
    tally?.stop();
    await subscriber?.close();
    await stack?.stop();
    await pool?.end();
    counts.failedDeliveries = tally?.failures ?? 0;
    printCounts('duplicates', counts, startedAt);
  });

  it(`${APPOINTMENTS} appointments end with one row and one COMPLETED each, announced at least once, and nothing in a DLQ`, async () => {
    // Given a router that delivers every message two or three times
    // And a subscriber to the status changes of every insured person the suite books for
    subscriber = await subscribeToStatusChanges(stack, insuredIdsOfBookings(APPOINTMENTS));

    // When 300 appointments are booked by 20 clients at once and the pipeline has settled
    const { accepted, refused, unclear } = await bookAppointments(stack, APPOINTMENTS, CLIENTS);
    await stack.router.waitForIdle(120_000);
    counts.sent = accepted.length;

    // Then every booking was accepted
    expect({ refused, unclear }).toEqual({ refused: [], unclear: [] });
    expect(accepted).toHaveLength(APPOINTMENTS);
    const ids = accepted.map((appointment) => appointment.appointmentId);
    booked = accepted;
    everyAppointmentId.push(...ids);

    // And the duplicates really happened: each request reached its country queue, and each confirmation its queue, at least twice
    for (const appointment of accepted) {
      expect(tally.enqueued(countryRoute(appointment.countryISO).queueName, appointment.appointmentId)).toBeGreaterThanOrEqual(2);
      expect(tally.enqueued(topology.confirmations.queueName, appointment.appointmentId)).toBeGreaterThanOrEqual(2);
    }
    counts.messages = [...topology.countryRoutes, topology.confirmations].reduce(
      (sum, queue) => sum + tally.enqueuedOn(queue.queueName),
      0,
    );

    // And each insured person sees every one of their appointments COMPLETED
    const statuses = await listedStatuses(
      stack,
      accepted.map((appointment) => appointment.insuredId),
    );
    counts.completed = ids.filter((id) => statuses.get(id) === AppointmentStatus.COMPLETED).length;
    expect(counts.completed).toBe(APPOINTMENTS);

    // And each appointment has exactly one row, in its own country's schema
    const rows = await scheduledRows(pool, ids);
    counts.rows = rows.length;
    expect(rows).toHaveLength(APPOINTMENTS);
    const countryOf = new Map(accepted.map((appointment) => [appointment.appointmentId, appointment.countryISO]));
    expect(rows.filter((row) => row.schemaCountry !== countryOf.get(row.appointmentId))).toEqual([]);

    // And no message waits in any DLQ
    counts.inDlq = deadLetterQueueNames.reduce((sum, queue) => sum + stack.router.deadLetters(queue).length, 0);
    expect(counts.inDlq).toBe(0);

    // And every appointment was announced COMPLETED at least once (none lost), nothing else was, and every repeat is the stored change
    Object.assign(counts, await thenEveryCompletionWasAnnounced(stack, subscriber, ids, ANNOUNCEMENTS_TIMEOUT_MS));

    // And each confirmation was emailed exactly once, though its status change reached the email queue at least twice
    expect(ids.filter((id) => tally.enqueued(topology.emailNotifications.queueName, id) < 2)).toEqual([]);
    const emailed = await subjectsByAppointment(stack);
    counts.emails = ids.reduce((sum, id) => sum + (emailed.get(id)?.length ?? 0), 0);
    expect(ids.filter((id) => emailed.get(id)?.length !== 1)).toEqual([]);
  }, 180_000);

  it('contested slots and cancellations end with one holder per slot, the rest REJECTED, every cancellation CANCELLED with its slot free', async () => {
    // Given the same router, and subscribers of the insured people about to contest slots and cancel
    const contestSubscriber = await subscribeToStatusChanges(stack, insuredIdsOfContests(CONTESTS));
    try {
      // When slots are contested and bookings cancelled at once, and the pipeline has settled
      const traffic = await whenSlotsAreContestedAndBookingsCancelled(stack, CONTESTS);
      await stack.router.waitForIdle(120_000);
      everyAppointmentId.push(
        ...[...traffic.contests.flatMap((contest) => contest.bookings), ...traffic.cancelled].map(({ appointmentId }) => appointmentId),
      );

      // Then the slots, the cancellations, the rows and the announcements all hold, and no DLQ holds anything
      Object.assign(
        counts,
        await thenEachSlotHasOneHolderAndCancellationsHold(stack, pool, contestSubscriber, traffic, ANNOUNCEMENTS_TIMEOUT_MS),
      );
      expect(deadLetterQueueNames.reduce((sum, queue) => sum + stack.router.deadLetters(queue).length, 0)).toBe(0);
    } finally {
      await contestSubscriber.close();
    }
  }, 180_000);

  it('moves and reminders: each move taken or refused once, racers settled one each, every COMPLETED appointment reminded once of the time it has now', async () => {
    // Given the first test's COMPLETED appointments, still subscribed to, and free slots of their countries
    expect(booked).toHaveLength(APPOINTMENTS);

    // When some are moved to free slots, two pairs race for one slot each, and two ask for a slot another holds,
    // every message delivered two or three times
    const moves = await whenCompletedAppointmentsAreMoved(stack, booked, MOVES);
    await stack.router.waitForIdle(120_000);

    // Then each move ended in one consistent state, heard and emailed once
    const settled = await thenEachMoveHeld(stack, pool, subscriber, moves, ANNOUNCEMENTS_TIMEOUT_MS);
    counts.moved = settled.moved;
    counts.refusedMoves = settled.refused;
    expect(settled).toEqual({ moved: MOVES.solo + MOVES.races, refused: MOVES.races + MOVES.ontoTaken });

    // When every reminder comes due, each handed to the reminder worker twice, and its event to the email queue two or three times
    const fired = await stack.reminders.fireDue(EVERY_REMINDER_DUE());
    await stack.router.waitForIdle(120_000);

    // Then each COMPLETED appointment got one reminder, of the slot it has now; cancelled and rejected ones none
    counts.reminders = await thenEveryCompletedAppointmentIsRemindedOnce(stack, everyAppointmentId);
    expect(fired).toBe(counts.reminders);
    expect(counts.reminderRuns).toBe(2 * fired);
    expect(deadLetterQueueNames.reduce((sum, queue) => sum + stack.router.deadLetters(queue).length, 0)).toBe(0);
  }, 240_000);
});
