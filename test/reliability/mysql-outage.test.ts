import { createPool, type Pool } from 'mysql2/promise';
import { mysqlOptionsFromUrl } from '../../core/adapters/mysql-connection';
import { AppointmentStatus } from '../../core/domain/appointment';
import { appointmentIdOf } from '../../local/operators/operator-io';
import { topology } from '../../core/config/topology';
import { startRestartableMysql, type RestartableMysqlServer } from '../../local/mysql/mysql-server';
import type { RouterEvent } from '../../local/router/router';
import type { LocalStack } from '../../local/stack';
import { subscribeToStatusChanges, type StatusChangeSubscriber } from '../support/status-change-subscriber';
import {
  bookAppointments,
  retriesAfterSeconds,
  countryQueueNames,
  describeWithOwnMysql,
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

const APPOINTMENTS = 500;
const CLIENTS = 20;
/** MySQL goes down once this many requests have been scheduled: the rest are booked, queued or retrying meanwhile. */
const SCHEDULED_BEFORE_OUTAGE = 100;
/** How long the announcements may trail the stored changes once the pipeline is idle. */
const ANNOUNCEMENTS_TIMEOUT_MS = 15_000;
/** Booked and cancelled during the outage: 10 slots each wanted by 3 insured people, and 20 bookings cancelled at once. */
const CONTESTS = { slots: 10, contenders: 3, cancellations: 20 };

// Needs a MariaDB of its own to stop and start; the shared one stays up for the other suites.
describeWithOwnMysql('reliability: MySQL goes down with appointments in flight and comes back', () => {
  const startedAt = Date.now();
  const counts: SuiteCounts<'deadLettered' | 'failedDeliveries' | 'notified' | 'notifications' | 'rejected' | 'cancelled'> = {
    sent: 0,
    completed: 0,
    rows: 0,
    inDlq: 0,
    redriven: 0,
    deadLettered: 0,
    failedDeliveries: 0,
    notified: 0,
    notifications: 0,
    rejected: 0,
    cancelled: 0,
  };
  let mysql: RestartableMysqlServer;
  let stack: LocalStack;
  let pool: Pool;
  let tally: RouterTally;
  let subscriber: StatusChangeSubscriber;
  let contestSubscriber: StatusChangeSubscriber;

  beforeAll(async () => {
    const started = await startRestartableMysql();
    if (!started) throw new Error('This suite starts its own MariaDB from the binaries on PATH, and found none');
    mysql = started;
    // Retries a few seconds apart, not one: after the redrive some 470 messages arrive at once, and a batch a loaded
    // machine takes over a second on would be received again while it runs and dead-lettered once more, done.
    stack = await startReliabilityStack({ mysqlUrl: mysql.url, adjustQueue: retriesAfterSeconds });
    await publishTheSlotsToBook(stack, { bookings: APPOINTMENTS, contests: [CONTESTS] });
    tally = new RouterTally(stack.router);
    pool = createPool(mysqlOptionsFromUrl(mysql.url, 2));
  }, 120_000);

  afterAll(async () => {
    tally?.stop();
    await subscriber?.close();
    await contestSubscriber?.close();
    await stack?.stop();
    await pool?.end();
    await mysql?.stop();
    counts.failedDeliveries = tally?.failures ?? 0;
    printCounts('mysql-outage', counts, startedAt);
  });

  it(`loses none of ${APPOINTMENTS} appointments nor their announcements: what ran out of receives waits in the DLQ, and a redrive completes it`, async () => {
    // Given a subscriber to the status changes of every insured person the suite books for
    subscriber = await subscribeToStatusChanges(stack, insuredIdsOfBookings(APPOINTMENTS));
    contestSubscriber = await subscribeToStatusChanges(stack, insuredIdsOfContests(CONTESTS));

    // And 500 appointments being booked by 20 clients
    let scheduled = 0;
    const outageDue = stack.router.waitFor(
      (event: RouterEvent) => event.type === 'processed' && countryQueueNames.has(event.queue) && ++scheduled >= SCHEDULED_BEFORE_OUTAGE,
      60_000,
    );
    const booking = bookAppointments(stack, APPOINTMENTS, CLIENTS);

    // When MySQL is stopped once the first 100 are scheduled, while the rest are still arriving
    await outageDue;
    await mysql.halt();
    // And while it is down, slots are contested and bookings cancelled: all of it waits for the redrive too
    const contested = whenSlotsAreContestedAndBookingsCancelled(stack, CONTESTS);
    const { accepted, refused, unclear } = await booking;
    const traffic = await contested;
    counts.sent = accepted.length;
    // Everything still queued is retried until its max receive count and then waits in its DLQ.
    await stack.router.waitForIdle(60_000);

    // Then every booking was still accepted (the API does not need MySQL)
    expect({ refused, unclear }).toEqual({ refused: [], unclear: [] });
    expect(accepted).toHaveLength(APPOINTMENTS);
    const ids = accepted.map((appointment) => appointment.appointmentId);
    const insuredIds = accepted.map((appointment) => appointment.insuredId);

    // And what could not be scheduled waits in the country DLQs, its appointments PENDING
    const deadLettered = topology.countryRoutes.flatMap((route) => stack.router.deadLetters(route.queueName));
    counts.deadLettered = deadLettered.length;
    expect(deadLettered.length).toBeGreaterThan(0);
    // (A worker run that committed a booking and then failed as a whole is retried whole: that booking may be COMPLETED
    // already while its message waits in the DLQ, which the redrive then delivers again, harmlessly.)
    const statusesDuringOutage = await listedStatuses(stack, insuredIds);
    const bookingIds = new Set(ids);
    const deadLetteredBookings = [...new Set(deadLettered.map((record) => appointmentIdOf(record.body) ?? ''))].filter((appointmentId) =>
      bookingIds.has(appointmentId),
    );
    const statusesOfDeadLettered = deadLetteredBookings.map((appointmentId) => statusesDuringOutage.get(appointmentId));
    expect(
      statusesOfDeadLettered.filter((status) => status !== AppointmentStatus.PENDING && status !== AppointmentStatus.COMPLETED),
    ).toEqual([]);
    expect(statusesOfDeadLettered).toContain(AppointmentStatus.PENDING);

    // When MySQL is back and an operator redrives the country DLQs
    await mysql.restart();
    for (const route of topology.countryRoutes) counts.redriven += stack.router.redrive(route.deadLetterQueueName);
    await stack.router.waitForIdle(60_000);

    // Then the redrive moved everything that was dead-lettered
    expect(counts.redriven).toBe(deadLettered.length);

    // And the workers' connection pools reconnected by themselves, no restart needed: everything completes below and
    // no DLQ holds anything. (A pooled connection the outage killed may fail its first query after the restart; its
    // record is retried like any other, so failures after the restart are allowed, a second dead-lettering is not.)

    // And every appointment is COMPLETED, as its insured person sees it
    const statuses = await listedStatuses(stack, insuredIds);
    counts.completed = ids.filter((id) => statuses.get(id) === AppointmentStatus.COMPLETED).length;
    expect(counts.completed).toBe(APPOINTMENTS);

    // And each has exactly one row, in its country's schema
    const rows = await scheduledRows(pool, ids);
    counts.rows = rows.length;
    expect(new Set(rows.map((row) => row.appointmentId)).size).toBe(APPOINTMENTS);
    expect(rows).toHaveLength(APPOINTMENTS);

    // And every DLQ is empty
    counts.inDlq = deadLetterQueueNames.reduce((sum, queue) => sum + stack.router.deadLetters(queue).length, 0);
    // (Named queue by queue, with what each holds, so a failure says what was dead-lettered again.)
    const leftInDlqs = Object.fromEntries(
      deadLetterQueueNames.map((queue) => [queue, stack.router.deadLetters(queue).map((record) => record.body.slice(0, 300))]),
    );
    expect(leftInDlqs).toEqual(Object.fromEntries(deadLetterQueueNames.map((queue) => [queue, []])));

    // And every appointment was announced COMPLETED at least once (none lost), nothing else was, and every repeat is the stored change
    Object.assign(counts, await thenEveryCompletionWasAnnounced(stack, subscriber, ids, ANNOUNCEMENTS_TIMEOUT_MS));

    // And the contested slots each have one holder, and the cancellations made during the outage hold, announced too
    Object.assign(
      counts,
      await thenEachSlotHasOneHolderAndCancellationsHold(stack, pool, contestSubscriber, traffic, ANNOUNCEMENTS_TIMEOUT_MS),
    );
  }, 180_000);
});
