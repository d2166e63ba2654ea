import type { Pool } from 'mysql2/promise';
import { AppointmentStatus } from '../../core/domain/appointment';
import { appointmentIdOf } from '../../local/operators/operator-io';
import { AwsServiceError, type PublishInput, type RouterEvent } from '../../local/router/router';
import type { LocalStack } from '../../local/stack';
import { describeWithMysql, testPool } from '../support/mysql';
import {
  bookAppointments,
  deadLetterQueueNames,
  insuredIdsOfBookings,
  listedStatuses,
  printCounts,
  publishTheSlotsToBook,
  scheduledRows,
  startReliabilityStack,
  storedAppointments,
  type SuiteCounts,
} from './support';

const BOOKINGS = 20;
const CLIENTS = 5;

describeWithMysql('reliability: SNS refuses the publish', () => {
  const startedAt = Date.now();
  const counts: SuiteCounts<'refusedBookings' | 'refusedPublishes'> = {
    sent: 0,
    completed: 0,
    rows: 0,
    inDlq: 0,
    redriven: 0,
    refusedBookings: 0,
    refusedPublishes: 0,
  };
  let stack: LocalStack;
  let pool: Pool;
  let refuse: 'every attempt' | 'the first attempt' | undefined;
  /** Publish attempts per appointment: the resolver's SNS client retries what SNS refuses. */
  const attempts = new Map<string, number>();
  const events: RouterEvent[] = [];

  /** SNS failing as it does when it is down: a 500 InternalError, which the SDK retries before giving up. */
  function refusePublish(input: PublishInput): AwsServiceError | undefined {
    const id = appointmentIdOf(input.Message ?? '') ?? '';
    const attempt = (attempts.get(id) ?? 0) + 1;
    attempts.set(id, attempt);
    if (refuse === 'every attempt' || (refuse === 'the first attempt' && attempt === 1)) {
      counts.refusedPublishes += 1;
      return new AwsServiceError('InternalError', 'SNS could not publish the message (fault injected)', 500);
    }
    return undefined;
  }

  beforeAll(async () => {
    stack = await startReliabilityStack({ hooks: { refusePublish } });
    await publishTheSlotsToBook(stack, { bookings: 2 * BOOKINGS });
    stack.router.on('event', (event) => events.push(event));
    pool = testPool();
  }, 90_000);

  afterAll(async () => {
    await stack?.stop();
    await pool?.end();
    counts.inDlq = deadLetterQueueNames.reduce((sum, queue) => sum + (stack?.router.deadLetters(queue).length ?? 0), 0);
    printCounts('publish-failure', counts, startedAt);
  });

  afterEach(() => {
    refuse = undefined;
    events.length = 0;
  });

  it('SNS refusing every attempt: each client gets SchedulingUnavailableError, and nothing is stored or sent on', async () => {
    // Given SNS refuses every publish
    refuse = 'every attempt';
    const insuredIds = new Set(insuredIdsOfBookings(BOOKINGS));

    // When 20 appointments are booked
    const { accepted, refused, unclear } = await bookAppointments(stack, BOOKINGS, CLIENTS);
    await stack.router.waitForIdle(10_000);
    counts.sent += BOOKINGS;
    counts.refusedBookings += refused.length;

    // Then every client is told, in one error, that scheduling is unavailable and to try again
    expect({ accepted, unclear }).toEqual({ accepted: [], unclear: [] });
    expect(refused).toHaveLength(BOOKINGS);
    for (const errors of refused) {
      expect(errors).toEqual([
        expect.objectContaining({
          errorType: 'SchedulingUnavailableError',
          message: expect.stringMatching(/could not be sent for scheduling.*try again/i) as unknown,
        }),
      ]);
    }

    // And SNS was asked for each of them, but nothing was published to a queue
    expect(events.filter((event) => event.type === 'publish-refused').length).toBeGreaterThanOrEqual(BOOKINGS);
    expect(events.filter((event) => event.type === 'published' || event.type === 'enqueued')).toEqual([]);

    // And no appointment was left behind: their lists are empty, and so is the table
    expect(await listedStatuses(stack, insuredIds)).toEqual(new Map());
    expect((await storedAppointments(stack)).filter((appointment) => insuredIds.has(appointment.insuredId))).toEqual([]);
  }, 60_000);

  it('SNS refusing only the first attempt: the retry publishes once, and every appointment completes', async () => {
    // Given SNS refuses each message's first attempt only
    refuse = 'the first attempt';

    // When 20 other appointments are booked
    const { accepted, refused, unclear } = await bookAppointments(stack, BOOKINGS, CLIENTS, { firstIndex: BOOKINGS });
    await stack.router.waitForIdle(30_000);
    counts.sent += BOOKINGS;

    // Then all are accepted, each published exactly once after its refused attempt
    expect({ refused, unclear }).toEqual({ refused: [], unclear: [] });
    const ids = accepted.map((appointment) => appointment.appointmentId);
    expect(ids.map((id) => attempts.get(id))).toEqual(ids.map(() => 2));
    const published = events.flatMap((event) => (event.type === 'published' ? [appointmentIdOf(event.body)] : []));
    expect(published.sort()).toEqual([...ids].sort());

    // And every one is COMPLETED with one row
    const statuses = await listedStatuses(
      stack,
      accepted.map((appointment) => appointment.insuredId),
    );
    counts.completed += ids.filter((id) => statuses.get(id) === AppointmentStatus.COMPLETED).length;
    expect(counts.completed).toBe(BOOKINGS);
    const rows = await scheduledRows(pool, ids);
    counts.rows += rows.length;
    expect(rows).toHaveLength(BOOKINGS);
  }, 60_000);
});
