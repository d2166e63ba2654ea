import { ulid } from 'ulid';
import { DynamoDbAppointmentRepository } from '../../core/adapters/dynamodb-appointment-repository';
import { pendingAppointment } from '../../core/domain/appointment';
import { metricNames } from '../../core/observability/metrics';
import { PIPELINE_RETRY_WINDOW_MS } from '../../core/use-cases/reconcile-appointments';
import { localDynamoDbClient } from '../../local/dynamodb/dynalite';
import { startLocalStack, type LocalStack } from '../../local/stack';
import { describeWithMysql, testMysqlUrl } from '../support/mysql';
import { given, type FreeSlots } from '../steps';
import { apiClient, newInsuredId, pollUntil } from './client';

/** A run's last log line, with what it checked. */
type RunDone = {
  message: string;
  rowsChecked?: number;
  appointmentsChecked?: number;
  readModelSlotsChecked?: number;
  countrySlotsChecked?: number;
};

/**
 * The reconciliation as it runs on its schedule, in the local stack as in AWS: the same function,
 * invoked by the scheduler, reporting what it finds as metric lines and log lines. The schedule runs
 * every second here instead of every few minutes.
 */
describeWithMysql('the scheduled reconciliation', () => {
  let stack: LocalStack;
  let slots: FreeSlots;
  const lines: Record<string, unknown>[] = [];

  beforeAll(async () => {
    stack = await startLocalStack({
      mysqlUrl: testMysqlUrl,
      scheduleEveryMs: 1_000,
      log: (line) => {
        if (line.includes('econciliation') || line.includes(metricNames.reconciliationFindings))
          lines.push(JSON.parse(line) as Record<string, unknown>);
      },
    });
    slots = await given.freeSlotsIn(stack, { CL: 1 });
  }, 90_000);
  afterAll(async () => stack?.stop());

  it('given an appointment made to look stuck (PENDING since before the retries began), when the schedule runs, then it is counted as a stuckPending finding and logged with its appointment id', async () => {
    // Given a PENDING appointment created an hour ago, which no queue holds
    const client = localDynamoDbClient(stack.dynamodbEndpoint);
    const createdAt = new Date(Date.now() - PIPELINE_RETRY_WINDOW_MS - 3_600_000);
    const stuck = pendingAppointment(
      { insuredId: newInsuredId(), ...given.aSlotTheCatalogLacks('PE') },
      ulid(createdAt.getTime()),
      createdAt,
    );
    try {
      await new DynamoDbAppointmentRepository(client, stack.tableName).create(stuck);
    } finally {
      client.destroy();
    }

    // When the scheduled reconciliation has run after it was planted
    const logged = await pollUntil(
      () => Promise.resolve(lines.find((line) => line.appointmentId === stuck.appointmentId)),
      (line) => line !== undefined,
      20_000,
    );

    // Then its finding is logged with the appointment id, and the run's metric counts it
    expect(logged).toEqual(
      expect.objectContaining({
        finding: 'stuckPending',
        appointmentId: stuck.appointmentId,
        message: expect.stringContaining('stuckPending') as unknown,
      }),
    );
    // (the run's metric lines are flushed when it ends, after its log lines: wait for them, not for the clock)
    const countedIt = (line: Record<string, unknown>) => line.finding === 'stuckPending' && line[metricNames.reconciliationFindings] === 1;
    const counted = await pollUntil(
      () => Promise.resolve(lines.filter(countedIt)),
      (found) => found.length > 0,
      20_000,
    );
    expect(counted.at(-1)).toEqual(
      expect.objectContaining({ [metricNames.reconciliationFindings]: 1, _aws: expect.anything() as unknown }),
    );
  });

  it('given a booking its country has scheduled, when a run ends after it, then the run reports the rows and appointments it checked and counts every kind of finding, zeros included, so a missing data point means it did not run', async () => {
    // Given the most rows any run has checked so far (the MySQL server is shared: other suites' rows count too),
    // and then an appointment COMPLETED, so its country holds one row more
    const runsDone = () => lines.filter((line) => line.message === 'Reconciliation done') as RunDone[];
    const mostRowsBefore = Math.max(0, ...runsDone().map((run) => run.rowsChecked ?? 0));
    const api = apiClient(stack);
    const insuredId = newInsuredId();
    const booked = await api.createAppointment({ insuredId, ...slots.next('CL') });
    await pollUntil(
      () => api.appointments(insuredId),
      (answer) => answer.data?.appointments.items[0]?.status === 'COMPLETED',
      15_000,
    );
    const runsBefore = runsDone().length;

    // When a run ends after it that has counted that row
    const done = await pollUntil(
      () => Promise.resolve(runsDone().slice(runsBefore)),
      (found) => found.some((run) => (run.rowsChecked ?? 0) > mostRowsBefore),
      20_000,
    );
    const kinds = new Set(lines.filter((line) => typeof line[metricNames.reconciliationFindings] === 'number').map((line) => line.finding));

    // Then it checked that row (one more than any run before the booking) and that appointment among the rest
    expect(booked.errors).toBeUndefined();
    const last = done.at(-1);
    expect(Math.max(0, ...done.map((run) => run.rowsChecked ?? 0))).toBeGreaterThan(mostRowsBefore);
    expect(last?.appointmentsChecked).toBeGreaterThanOrEqual(1);
    // And it compared the slot read model with the catalogs (the deployed function's Scan and its MySQL reads)
    expect(last?.readModelSlotsChecked).toEqual(expect.any(Number));
    expect(last?.countrySlotsChecked).toEqual(expect.any(Number));
    expect([...kinds].sort()).toEqual(['cancellationNotFreed', 'lostDecision', 'overbooked', 'slotReadModelDrift', 'stuckPending']);
  });
});
