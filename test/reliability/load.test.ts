import type { Pool } from 'mysql2/promise';
import { AppointmentStatus } from '../../core/domain/appointment';
import type { LocalStack } from '../../local/stack';
import { describeWithMysql, testPool } from '../support/mysql';
import {
  asDeployed,
  bookAppointments,
  deadLetterQueueNames,
  listedStatuses,
  printCounts,
  publishTheSlotsToBook,
  RouterTally,
  scheduledRows,
  startReliabilityStack,
  type SuiteCounts,
} from './support';

const APPOINTMENTS = 2000;
const CLIENTS = 50;
/** The errors a client is told how to act on (docs/api.md, Errors); anything else is a fault. */
const ERRORS_A_CLIENT_CAN_ACT_ON = ['SchedulingUnavailableError'];

describeWithMysql('reliability: 2,000 bookings from 50 clients at once', () => {
  const startedAt = Date.now();
  const counts: SuiteCounts<'refused' | 'failedDeliveries'> = {
    sent: 0,
    completed: 0,
    rows: 0,
    inDlq: 0,
    redriven: 0,
    refused: 0,
    failedDeliveries: 0,
  };
  let stack: LocalStack;
  let pool: Pool;
  let tally: RouterTally;

  beforeAll(async () => {
    stack = await startReliabilityStack({ adjustQueue: asDeployed });
    // A slot for every call: 1,000 per country, published before anything is counted or timed.
    await publishTheSlotsToBook(stack, { bookings: APPOINTMENTS });
    tally = new RouterTally(stack.router);
    pool = testPool();
  }, 240_000);

  afterAll(async () => {
    tally?.stop();
    await stack?.stop();
    await pool?.end();
    counts.failedDeliveries = tally?.failures ?? 0;
    printCounts('load', counts, startedAt);
  });

  it('every call is accepted or refused with an error a client can act on, and every accepted one is COMPLETED once', async () => {
    // Given the local stack as `npm start` runs it

    // When 50 clients make 2,000 createAppointment calls between them, and the pipeline settles
    const { accepted, refused, unclear } = await bookAppointments(stack, APPOINTMENTS, CLIENTS);
    await stack.router.waitForIdle(120_000);
    counts.sent = APPOINTMENTS;
    counts.refused = refused.length;

    // Then every call came back: accepted, or with an error the client can act on
    expect(unclear).toEqual([]);
    expect(refused.flat().filter((error) => !ERRORS_A_CLIENT_CAN_ACT_ON.includes(error.errorType ?? ''))).toEqual([]);
    expect(accepted.length + refused.length).toBe(APPOINTMENTS);
    // Each booking has a slot of its own and SNS is up: nothing here is a reason to refuse one, and a stack that
    // refused some would pass what follows while showing less.
    expect(accepted).toHaveLength(APPOINTMENTS);

    // And every accepted appointment is COMPLETED, as its insured person sees it
    const ids = accepted.map((appointment) => appointment.appointmentId);
    const statuses = await listedStatuses(
      stack,
      accepted.map((appointment) => appointment.insuredId),
    );
    counts.completed = ids.filter((id) => statuses.get(id) === AppointmentStatus.COMPLETED).length;
    expect(counts.completed).toBe(accepted.length);

    // And has exactly one row, with nothing in a DLQ
    const rows = await scheduledRows(pool, ids);
    counts.rows = rows.length;
    expect(new Set(rows.map((row) => row.appointmentId)).size).toBe(accepted.length);
    expect(rows).toHaveLength(accepted.length);
    counts.inDlq = deadLetterQueueNames.reduce((sum, queue) => sum + stack.router.deadLetters(queue).length, 0);
    expect(counts.inDlq).toBe(0);
  }, 240_000);
});
