import type { SQSBatchResponse, SQSEvent } from 'aws-lambda';
import type { Pool } from 'mysql2/promise';
import { AppointmentStatus, type Appointment } from '../../core/domain/appointment';
import { topology } from '../../core/config/topology';
import { DynamoDbAppointmentRepository } from '../../core/adapters/dynamodb-appointment-repository';
import { localDynamoDbClient } from '../../local/dynamodb/dynalite';
import { appointmentIdOf } from '../../local/operators/operator-io';
import type { PutEventsEntry } from '../../local/router/router';
import type { LocalStack } from '../../local/stack';
import { describeWithMysql, testPool } from '../support/mysql';
import {
  bookAppointments,
  countryQueueNames,
  deadLetterQueueNames,
  listedStatuses,
  printCounts,
  publishTheSlotsToBook,
  RouterTally,
  retriesAfterSeconds,
  scheduledRows,
  startReliabilityStack,
  storedAppointments,
  type ScheduledRow,
  type SuiteCounts,
  thenEachSlotHasOneHolderAndCancellationsHold,
  whenSlotsAreContestedAndBookingsCancelled,
  insuredIdsOfContests,
} from './support';
import { subscribeToStatusChanges } from '../support/status-change-subscriber';

const CRASHING_APPOINTMENTS = 100;
const REFUSED_APPOINTMENTS = 20;
const CLIENTS = 10;
/** Run once per fault. */
const CONTESTS = { slots: 5, contenders: 3, cancellations: 10 };

type Fault = 'dies after its work, before answering' | 'EventBridge refuses the announcement once';

/** The appointment an EventBridge event's detail names (a status change, an outcome), as its item's key. */
function appointmentKeyOf(body: string): { insuredId: string; appointmentId: string } | undefined {
  const detail = (JSON.parse(body) as { detail?: { insuredId?: unknown; appointmentId?: unknown } }).detail;
  return typeof detail?.insuredId === 'string' && typeof detail.appointmentId === 'string'
    ? { insuredId: detail.insuredId, appointmentId: detail.appointmentId }
    : undefined;
}

describeWithMysql('reliability: a worker that fails after its write', () => {
  const startedAt = Date.now();
  const counts: SuiteCounts<'lostAnswers' | 'refusedAnnouncements'> = {
    sent: 0,
    completed: 0,
    rows: 0,
    inDlq: 0,
    redriven: 0,
    lostAnswers: 0,
    refusedAnnouncements: 0,
  };
  let stack: LocalStack;
  let pool: Pool;
  let tally: RouterTally;
  let fault: Fault | undefined;
  /** What the first, crashed delivery had written when the function died: each appointment's row, and its item once completed. */
  const rowAtCrash = new Map<string, ScheduledRow>();
  const itemAtCrash = new Map<string, Appointment>();
  const announcementRefused = new Set<string>();
  let appointments: DynamoDbAppointmentRepository;

  /**
   * Runs the invocation, then loses its answer for every record on its first receive: the
   * function dies (or, in a batch that also holds redeliveries, those records go unacknowledged).
   */
  async function dieAfterWork(queue: string, event: SQSEvent, invoke: (event: SQSEvent) => Promise<unknown>): Promise<unknown> {
    if (fault !== 'dies after its work, before answering') return invoke(event);
    const response = await invoke(event);
    const firstReceives = event.Records.filter((record) => record.attributes.ApproximateReceiveCount === '1');
    if (firstReceives.length === 0) return response;
    const ids = firstReceives.flatMap((record) => appointmentIdOf(record.body) ?? []);
    if (countryQueueNames.has(queue)) {
      for (const row of await scheduledRows(pool, ids)) if (!rowAtCrash.has(row.appointmentId)) rowAtCrash.set(row.appointmentId, row);
    } else {
      // Each record's item, read by its key: a scan of the whole table here would slow every delivery in flight.
      // (The slot projector's records name a slot, not an appointment: they have no item to keep.)
      for (const key of firstReceives.flatMap((record) => appointmentKeyOf(record.body) ?? [])) {
        const item = itemAtCrash.has(key.appointmentId) ? undefined : await appointments.get(key);
        if (item) itemAtCrash.set(key.appointmentId, item);
      }
    }
    counts.lostAnswers += 1;
    if (firstReceives.length === event.Records.length)
      throw new Error(`The function of ${queue} died after its work, before answering (fault injected)`);
    const reported = (response as Partial<SQSBatchResponse> | undefined)?.batchItemFailures ?? [];
    return { batchItemFailures: [...reported, ...firstReceives.map((record) => ({ itemIdentifier: record.messageId }))] };
  }

  /** Fails each appointment's first AppointmentScheduled entry, as EventBridge reports a failed entry: its record fails after the row is written. */
  function refuseAnnouncementOnce(entry: PutEventsEntry): { errorCode: string; errorMessage: string } | undefined {
    const id = appointmentIdOf(entry.Detail ?? '');
    if (fault !== 'EventBridge refuses the announcement once' || !id || announcementRefused.has(id)) return undefined;
    announcementRefused.add(id);
    counts.refusedAnnouncements += 1;
    return { errorCode: 'InternalFailure', errorMessage: 'EventBridge could not put the event (fault injected)' };
  }

  beforeAll(async () => {
    stack = await startReliabilityStack({
      adjustQueue: retriesAfterSeconds,
      hooks: { aroundInvoke: dieAfterWork, refuseEvent: refuseAnnouncementOnce },
    });
    appointments = new DynamoDbAppointmentRepository(localDynamoDbClient(stack.dynamodbEndpoint), stack.tableName);
    await publishTheSlotsToBook(stack, { bookings: CRASHING_APPOINTMENTS + REFUSED_APPOINTMENTS, contests: [CONTESTS, CONTESTS] });
    tally = new RouterTally(stack.router);
    pool = testPool();
  }, 120_000);

  afterAll(async () => {
    tally?.stop();
    await stack?.stop();
    await pool?.end();
    counts.inDlq = deadLetterQueueNames.reduce((sum, queue) => sum + (stack?.router.deadLetters(queue).length ?? 0), 0);
    printCounts('crash-after-commit', counts, startedAt);
  });

  afterEach(() => {
    fault = undefined;
  });

  it('a function that dies after writing, before its batch is acknowledged: the redelivery changes nothing', async () => {
    // Given every worker function dies after the first delivery of each batch, its work done but unacknowledged
    fault = 'dies after its work, before answering';
    const queues = [...topology.countryRoutes, topology.confirmations].map((queue) => queue.queueName);

    // When 100 appointments are booked and the pipeline has settled
    const { accepted, refused, unclear } = await bookAppointments(stack, CRASHING_APPOINTMENTS, CLIENTS);
    await stack.router.waitForIdle(60_000);
    counts.sent += accepted.length;
    expect({ refused, unclear }).toEqual({ refused: [], unclear: [] });
    const ids = accepted.map((appointment) => appointment.appointmentId);

    // Then every message was delivered again after its lost answer: the crashed delivery, then the redelivery after its visibility timeout
    for (const queue of queues) {
      const deliveries = tally.deliveriesOfEachMessageOn(queue);
      expect(deliveries.length).toBeGreaterThan(0);
      expect(Math.min(...deliveries)).toBeGreaterThanOrEqual(2);
    }

    // And each appointment has one row, exactly as the crashed delivery left it
    const rows = await scheduledRows(pool, ids);
    expect(rows).toHaveLength(CRASHING_APPOINTMENTS);
    for (const row of rows) expect(row).toEqual(rowAtCrash.get(row.appointmentId));
    counts.rows += rows.length;

    // And each is COMPLETED, its item exactly as the crashed completion left it (the redelivery did not touch updatedAt)
    const items = new Map((await storedAppointments(stack)).map((item) => [item.appointmentId, item]));
    for (const id of ids) {
      expect(items.get(id)?.status).toBe(AppointmentStatus.COMPLETED);
      expect(items.get(id)).toEqual(itemAtCrash.get(id));
    }
    const statuses = await listedStatuses(
      stack,
      accepted.map((appointment) => appointment.insuredId),
    );
    counts.completed += ids.filter((id) => statuses.get(id) === AppointmentStatus.COMPLETED).length;
    expect(counts.completed).toBe(CRASHING_APPOINTMENTS);

    // And nothing waits in a DLQ
    for (const queue of deadLetterQueueNames) expect(stack.router.deadLetters(queue)).toEqual([]);
  }, 120_000);

  it('a country worker whose announcement EventBridge refuses after the row is written: the retry writes no second row', async () => {
    // Given EventBridge refuses each appointment's first AppointmentScheduled
    fault = 'EventBridge refuses the announcement once';

    // When 20 appointments are booked and the pipeline has settled
    const { accepted, refused, unclear } = await bookAppointments(stack, REFUSED_APPOINTMENTS, CLIENTS, {
      firstIndex: CRASHING_APPOINTMENTS,
    });
    await stack.router.waitForIdle(60_000);
    counts.sent += accepted.length;
    expect({ refused, unclear }).toEqual({ refused: [], unclear: [] });
    const ids = accepted.map((appointment) => appointment.appointmentId);

    // Then every appointment's announcement was refused once
    expect([...announcementRefused].filter((id) => ids.includes(id)).sort()).toEqual([...ids].sort());

    // And each still has exactly one row and is COMPLETED, with nothing in a DLQ
    const rows = await scheduledRows(pool, ids);
    expect(rows.map((row) => row.appointmentId).sort()).toEqual([...ids].sort());
    counts.rows += rows.length;
    const statuses = await listedStatuses(
      stack,
      accepted.map((appointment) => appointment.insuredId),
    );
    expect(ids.map((id) => statuses.get(id))).toEqual(ids.map(() => AppointmentStatus.COMPLETED));
    counts.completed += ids.length;
    for (const queue of deadLetterQueueNames) expect(stack.router.deadLetters(queue)).toEqual([]);
  }, 120_000);

  it.each<Fault>(['dies after its work, before answering', 'EventBridge refuses the announcement once'])(
    'contested slots and cancellations when a worker %s: the retry changes no decision and frees no slot twice',
    async (injected) => {
      // Given the fault, and subscribers of the insured people about to book
      fault = injected;
      const contests = CONTESTS;
      const subscriber = await subscribeToStatusChanges(stack, insuredIdsOfContests(contests));
      try {
        // When slots are contested and bookings cancelled at once, and the pipeline has settled
        const traffic = await whenSlotsAreContestedAndBookingsCancelled(stack, contests);
        await stack.router.waitForIdle(60_000);
        counts.sent += traffic.contests.length * contests.contenders + traffic.cancelled.length;

        // Then each slot has one holder, the cancellations hold, every decision was announced, and no DLQ holds anything
        await thenEachSlotHasOneHolderAndCancellationsHold(stack, pool, subscriber, traffic, 15_000);
        counts.completed += traffic.contests.length;
        for (const queue of deadLetterQueueNames) expect(stack.router.deadLetters(queue)).toEqual([]);
      } finally {
        await subscriber.close();
      }
    },
    120_000,
  );
});
