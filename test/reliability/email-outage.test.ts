import { AppointmentStatus, type Appointment } from '../../core/domain/appointment';
import { topology } from '../../core/config/topology';
import type { SesRefusal } from '../../local/ses/local-ses';
import type { LocalStack } from '../../local/stack';
import { subjectsByAppointment } from '../support/emails';
import { describeWithMysql } from '../support/mysql';
import { bookAppointments, listedStatuses, printCounts, publishTheSlotsToBook, startReliabilityStack, type SuiteCounts } from './support';
import {
  freeSlotsForMoves,
  thenEveryCompletedAppointmentIsRemindedOnce,
  whenCompletedAppointmentsAreMoved,
  type MovePlan,
} from './moves-and-reminders';

const BOOKINGS = 20;
/** Two appointments moved while SES is down. */
const MOVES: MovePlan = { solo: 2, races: 0, ontoTaken: 0 };
/** Far enough ahead that every reminder of the suite is due: its slots are some 40 days out. */
const EVERY_REMINDER_DUE = () => new Date(Date.now() + 400 * 86_400_000);
const CLIENTS = 5;
const { queueName: EMAIL_QUEUE, deadLetterQueueName: EMAIL_DLQ } = topology.emailNotifications;

/** SES when it throttles: HTTP 429 TooManyRequestsException, which the SDK retries before giving up. */
const THROTTLED: SesRefusal = {
  code: 'TooManyRequestsException',
  statusCode: 429,
  message: 'Maximum sending rate exceeded. (fault injected)',
};
/** SES when it is down: HTTP 500 InternalFailure, retried by the SDK as a transient error. */
const DOWN: SesRefusal = {
  code: 'InternalFailure',
  statusCode: 500,
  message: 'The request processing has failed because of an unknown error. (fault injected)',
};

describeWithMysql('reliability: SES refuses to send for a while', () => {
  const startedAt = Date.now();
  const counts: SuiteCounts<'refusedSends' | 'emails' | 'reminders'> = {
    sent: 0,
    completed: 0,
    rows: 0,
    inDlq: 0,
    redriven: 0,
    refusedSends: 0,
    emails: 0,
    reminders: 0,
  };
  /** Every appointment the suite booked, all COMPLETED: the last test moves some and reminds them all. */
  const booked: Appointment[] = [];
  let stack: LocalStack;
  /** How many more sends SES refuses, and how. */
  let refusalsLeft = 0;
  let refusal = THROTTLED;

  function refuseSendEmail(): SesRefusal | undefined {
    if (refusalsLeft <= 0) return undefined;
    refusalsLeft -= 1;
    counts.refusedSends += 1;
    return refusal;
  }

  beforeAll(async () => {
    stack = await startReliabilityStack({ sesHooks: { refuseSendEmail } });
    await publishTheSlotsToBook(stack, { bookings: 2 * BOOKINGS, freeForMoves: freeSlotsForMoves(MOVES) });
  }, 90_000);

  afterAll(async () => {
    counts.inDlq = stack?.router.deadLetters(EMAIL_DLQ).length ?? 0;
    await stack?.stop();
    printCounts('email-outage', counts, startedAt);
  });

  it(`an outage: ${BOOKINGS} confirmations wait in the email DLQ, and after the redrive each is emailed exactly once`, async () => {
    // Given SES down, refusing every send
    refusal = DOWN;
    refusalsLeft = Number.POSITIVE_INFINITY;

    // When 20 appointments are booked and the pipeline has settled
    const { accepted } = await bookAppointments(stack, BOOKINGS, CLIENTS);
    await stack.router.waitForIdle(60_000);
    counts.sent += accepted.length;
    const ids = accepted.map((appointment) => appointment.appointmentId);
    // Every booking was accepted: an email outage never refuses one (and an empty list would prove nothing below)
    expect(accepted).toHaveLength(BOOKINGS);
    booked.push(...accepted);

    // Then every appointment is COMPLETED for its insured person: email trouble never holds a booking back
    const statuses = await listedStatuses(
      stack,
      accepted.map((appointment) => appointment.insuredId),
    );
    expect(ids.filter((id) => statuses.get(id) !== AppointmentStatus.COMPLETED)).toEqual([]);
    counts.completed += ids.length;

    // And no email went out, and every confirmation waits in the email DLQ after its retries (a redelivered announcement may wait twice)
    expect(await stack.sentEmails()).toEqual([]);
    const waiting = new Set(
      stack.router
        .deadLetters(EMAIL_DLQ)
        .map((record) => (JSON.parse(record.body) as { detail: { appointmentId: string } }).detail.appointmentId),
    );
    expect([...waiting].sort()).toEqual([...ids].sort());
    expect(counts.refusedSends).toBeGreaterThanOrEqual(BOOKINGS * topology.emailNotifications.maxReceiveCount);

    // When SES is back and an operator redrives the email DLQ
    refusalsLeft = 0;
    counts.redriven += stack.router.redrive(EMAIL_DLQ);
    await stack.router.waitForIdle(60_000);

    // Then each appointment's confirmation was emailed exactly once, and nothing is left in the DLQ or the queue
    const emailed = await subjectsByAppointment(stack);
    expect(ids.filter((id) => emailed.get(id)?.length !== 1)).toEqual([]);
    expect(stack.router.deadLetters(EMAIL_DLQ)).toEqual([]);
    expect(stack.router.stats()[EMAIL_QUEUE]).toEqual({ messages: 0, inFlightInvocations: 0 });
    counts.emails += ids.length;
  }, 120_000);

  it('a burst of throttling: every confirmation is emailed once, by the retries alone', async () => {
    // Given SES refusing its next 6 sends: fewer than the 9 attempts one message gets (3 receives of 3 SDK attempts)
    const refusedBefore = counts.refusedSends;
    refusal = THROTTLED;
    refusalsLeft = 6;

    // When 20 more appointments are booked and the pipeline has settled
    const { accepted } = await bookAppointments(stack, BOOKINGS, CLIENTS, { firstIndex: BOOKINGS });
    await stack.router.waitForIdle(60_000);
    counts.sent += accepted.length;
    expect(accepted).toHaveLength(BOOKINGS);
    booked.push(...accepted);

    // Then each was emailed exactly once, none waits in the DLQ, and SES did refuse some sends
    const emailed = await subjectsByAppointment(stack);
    expect(accepted.filter((appointment) => emailed.get(appointment.appointmentId)?.length !== 1)).toEqual([]);
    expect(stack.router.deadLetters(EMAIL_DLQ)).toEqual([]);
    expect(counts.refusedSends - refusedBefore).toBe(6);
    counts.emails += accepted.length;
  }, 120_000);

  it('an outage when moves are told and reminders come due: each waits in the email DLQ, and after the redrive each is emailed once, of the time the appointment has now', async () => {
    // Given the suite's COMPLETED appointments, and SES down again
    expect(booked).toHaveLength(2 * BOOKINGS);
    const emailsBefore = (await stack.sentEmails()).length;
    refusal = DOWN;
    refusalsLeft = Number.POSITIVE_INFINITY;

    // When two of them are moved, and then every reminder comes due
    const moves = await whenCompletedAppointmentsAreMoved(stack, booked, MOVES);
    await stack.router.waitForIdle(60_000);
    expect(moves.problems).toEqual([]);
    const fired = await stack.reminders.fireDue(EVERY_REMINDER_DUE());
    await stack.router.waitForIdle(60_000);

    // Then nothing was emailed, and each move and each reminder waits in the email DLQ
    expect((await stack.sentEmails()).length).toBe(emailsBefore);
    expect(fired).toBe(booked.length);
    const waiting = stack.router
      .deadLetters(EMAIL_DLQ)
      .map((record) => JSON.parse(record.body) as { 'detail-type': string; detail: { appointmentId: string } });
    expect(
      new Set(waiting.filter((event) => event['detail-type'] === topology.reminders.detailType).map((event) => event.detail.appointmentId))
        .size,
    ).toBe(booked.length);

    // When SES is back and an operator redrives the email DLQ
    refusalsLeft = 0;
    counts.redriven += stack.router.redrive(EMAIL_DLQ);
    await stack.router.waitForIdle(60_000);

    // Then each moved appointment was told once, and every appointment reminded once, of the slot it has now
    const emailed = await subjectsByAppointment(stack);
    const movesTold = moves.solo.map(({ appointment }) =>
      (emailed.get(appointment.appointmentId) ?? []).filter((subject) => subject.startsWith('Cita reprogramada')),
    );
    expect(movesTold.map((subjects) => subjects.length)).toEqual(moves.solo.map(() => 1));
    counts.reminders = await thenEveryCompletedAppointmentIsRemindedOnce(
      stack,
      booked.map((appointment) => appointment.appointmentId),
    );
    expect(counts.reminders).toBe(booked.length);
    expect(stack.router.deadLetters(EMAIL_DLQ)).toEqual([]);
  }, 120_000);
});
