import type { SQSEvent } from 'aws-lambda';
import type { Pool } from 'mysql2/promise';
import type { Appointment, CountryISO } from '../../core/graphql/types.generated';
import { countryRoute } from '../../core/config/topology';
import type { Consumer } from '../../local/router/queue';
import { startLocalStack, type LocalStack, type LocalStackOptions } from '../../local/stack';
import { describeWithMysql, slotRows, testMysqlUrl, testPool } from '../support/mysql';
import { emailsAboutOnceSent } from '../support/emails';
import { newScheduleId } from '../support/slots';
import { subscribeToStatusChanges, type StatusChangeSubscriber } from '../support/status-change-subscriber';
import { apiClient, newInsuredId, pollUntil } from './client';

/**
 * Booking for real, over HTTP against the local stack: a slot is held once, a retry is not a
 * second booking, and a cancellation frees the slot, whatever order the queues deliver in.
 */

const SETTLED_WITHIN_MS = 20_000;

/** Each insured person signed in with their own token, as their app would be. */
async function insuredClient(stack: LocalStack, insuredId: string) {
  return apiClient(stack, { token: await stack.issuer.issue({ insuredId }) });
}

/** Steps shared by the scenarios: what an insured person's app does and sees. */
function bookingSteps(stack: () => LocalStack) {
  const book = async (insuredId: string, scheduleId: number, countryISO: CountryISO = 'PE'): Promise<Appointment> => {
    const answer = await (await insuredClient(stack(), insuredId)).createAppointment({ insuredId, scheduleId, countryISO });
    if (!answer.data?.createAppointment) throw new Error(`Booking refused: ${JSON.stringify(answer.errors)}`);
    return answer.data.createAppointment;
  };
  const cancel = async (appointment: Appointment) =>
    (await insuredClient(stack(), appointment.insuredId)).cancelAppointment(appointment.insuredId, appointment.appointmentId);
  /** The appointment as its insured person lists it, once it is no longer PENDING (or the deadline passed). */
  const settled = async (appointment: Appointment): Promise<Appointment | undefined> => {
    const client = await insuredClient(stack(), appointment.insuredId);
    const find = async () => (await client.appointments(appointment.insuredId, 100)).data?.appointments.items.find((item) => item.appointmentId === appointment.appointmentId);
    return pollUntil(find, (found) => found !== undefined && found.status !== 'PENDING', SETTLED_WITHIN_MS);
  };
  const listedIds = async (insuredId: string) =>
    ((await (await insuredClient(stack(), insuredId)).appointments(insuredId, 100)).data?.appointments.items ?? []).map((item) => item.appointmentId);
  return { book, cancel, settled, listedIds };
}

/**
 * A local stack on the test run's MySQL (the country schema decides who holds a slot) and a pool
 * on that MySQL, started around a describe block's tests, with the booking steps bound to it.
 */
function withBookingStack(options: LocalStackOptions = {}) {
  const started: { stack?: LocalStack; pool?: Pool } = {};
  beforeAll(async () => {
    started.stack = await startLocalStack({ quiet: !process.env.LOCAL_STACK_LOGS, mysqlUrl: testMysqlUrl, ...options });
    started.pool = testPool();
  }, 60_000);
  afterAll(async () => {
    await started.stack?.stop();
    await started.pool?.end();
  });
  const stack = (): LocalStack => started.stack!;
  return { stack, pool: (): Pool => started.pool!, ...bookingSteps(stack) };
}

describeWithMysql('booking a slot: one holder, retries, cancellation', () => {
  const { stack, pool, book, cancel, settled, listedIds } = withBookingStack();

  it('20 insured people racing for one slot: exactly one COMPLETED, 19 REJECTED with SLOT_TAKEN and told so in real time, one active row', async () => {
    // Given 20 insured people following their appointments
    const insuredIds = Array.from({ length: 20 }, () => newInsuredId());
    const scheduleId = newScheduleId();
    const subscriber: StatusChangeSubscriber = await subscribeToStatusChanges(stack(), insuredIds);
    try {
      // When they all book the same slot at once
      const booked = await Promise.all(insuredIds.map((insuredId) => book(insuredId, scheduleId)));

      // Then each got a PENDING appointment of their own, and once settled exactly one holds the slot
      expect(booked.every((appointment) => appointment.status === 'PENDING')).toBe(true);
      const outcomes = await Promise.all(booked.map(settled));
      expect(outcomes.filter((outcome) => outcome?.status === 'COMPLETED')).toHaveLength(1);
      const rejected = outcomes.filter((outcome) => outcome?.status === 'REJECTED');
      expect(rejected).toHaveLength(19);
      expect(rejected.every((outcome) => outcome?.rejectionReason === 'SLOT_TAKEN')).toBe(true);
      // And the country holds one active booking of the slot
      const rows = await slotRows(pool(), 'PE', scheduleId);
      expect(rows.filter((row) => row.status === 'SCHEDULED')).toHaveLength(1);
      expect(rows.filter((row) => row.status === 'REJECTED')).toHaveLength(19);
      // And every one of them heard their outcome on the subscription
      await subscriber.waitUntil(() => outcomes.every((outcome) => outcome && subscriber.statusesOf(outcome.appointmentId).includes(outcome.status)), 10_000);
      for (const outcome of outcomes) expect(subscriber.statusesOf(outcome!.appointmentId)).toContain(outcome!.status);
      expect(subscriber.received.filter((change) => change.status === 'REJECTED').every((change) => change.rejectionReason === 'SLOT_TAKEN')).toBe(true);
    } finally {
      await subscriber.close();
    }
  });

  it.each([
    ['one after another', async (send: () => Promise<Appointment>) => [await send(), await send(), await send(), await send(), await send()]],
    ['all at once', (send: () => Promise<Appointment>) => Promise.all(Array.from({ length: 5 }, send))],
  ])('the same booking sent 5 times, %s: one appointment, COMPLETED, one row', async (_how, sendFive) => {
    // Given an insured person whose app retries
    const insuredId = newInsuredId();
    const scheduleId = newScheduleId();

    // When the same request is sent 5 times
    const answers = await sendFive(() => book(insuredId, scheduleId, 'CL'));

    // Then every answer names the one appointment, it completes, and the country has one row for the slot
    const [first] = answers;
    expect(answers.map((answer) => answer.appointmentId)).toEqual(answers.map(() => first!.appointmentId));
    expect(await listedIds(insuredId)).toEqual([first!.appointmentId]);
    expect((await settled(first!))?.status).toBe('COMPLETED');
    await stack().router.waitForIdle(10_000);
    expect(await slotRows(pool(), 'CL', scheduleId)).toEqual([{ appointment_id: first!.appointmentId, status: 'SCHEDULED' }]);
  });

  it('a COMPLETED appointment cancelled (twice): CANCELLED at once and in real time, the slot freed and then booked by someone else', async () => {
    // Given an insured person holding a slot, following their appointments
    const [holderId, nextId] = [newInsuredId(), newInsuredId()];
    const scheduleId = newScheduleId();
    const subscriber = await subscribeToStatusChanges(stack(), [holderId]);
    try {
      const held = await book(holderId, scheduleId);
      expect((await settled(held))?.status).toBe('COMPLETED');

      // When they cancel it, and cancel it again
      const first = await cancel(held);
      const second = await cancel(held);

      // Then both answers are the appointment CANCELLED, and the subscription says so
      expect(first.data?.cancelAppointment).toMatchObject({ appointmentId: held.appointmentId, status: 'CANCELLED' });
      expect(second.data?.cancelAppointment).toEqual(first.data?.cancelAppointment);
      expect(await subscriber.waitUntil(() => subscriber.statusesOf(held.appointmentId).includes('CANCELLED'), 10_000)).toBe(true);
      expect(subscriber.statusesOf(held.appointmentId).filter((status) => status !== 'CANCELLED')).toEqual(['COMPLETED']);

      // And someone else can now book the slot
      await stack().router.waitForIdle(10_000);
      const rebooked = await book(nextId, scheduleId);
      expect((await settled(rebooked))?.status).toBe('COMPLETED');
      expect(await slotRows(pool(), 'PE', scheduleId)).toEqual([
        { appointment_id: held.appointmentId, status: 'CANCELLED' },
        { appointment_id: rebooked.appointmentId, status: 'SCHEDULED' },
      ]);
    } finally {
      await subscriber.close();
    }
  });

  it('a REJECTED appointment or another insured person\'s cannot be cancelled, and the error says why', async () => {
    // Given a slot held by one insured person and a rejected booking of it by another
    const [holderId, loserId] = [newInsuredId(), newInsuredId()];
    const scheduleId = newScheduleId();
    const held = await book(holderId, scheduleId);
    await settled(held);
    const lost = await book(loserId, scheduleId);
    expect((await settled(lost))?.status).toBe('REJECTED');

    // When the loser cancels their rejected booking, and then the holder's
    const cancelRejected = await cancel(lost);
    const cancelOthers = await (await insuredClient(stack(), loserId)).cancelAppointment(holderId, held.appointmentId);

    // Then each is a GraphQL error a client can show, and the holder keeps the slot
    expect(cancelRejected.errors).toEqual([expect.objectContaining({ errorType: 'AppointmentNotCancellableError', message: expect.stringContaining('REJECTED') as unknown })]);
    expect(cancelOthers.errors).toEqual([expect.objectContaining({ errorType: 'Unauthorized' })]);
    expect((await settled(held))?.status).toBe('COMPLETED');
  });
});

describeWithMysql('a cancellation that overtakes its booking in the queues', () => {
  /** The insured person whose booking's batch is slow; it runs once their cancellation's batch has finished. */
  let slowInsuredId = '';
  let cancellationFinished: () => void = () => undefined;
  const cancellationHasFinished = new Promise<void>((resolve) => (cancellationFinished = resolve));
  let bookingHeld: () => void = () => undefined;
  const bookingIsHeld = new Promise<void>((resolve) => (bookingHeld = resolve));

  const holdBookingUntilCancelled = async (queue: string, event: SQSEvent, invoke: Consumer) => {
    const bodies = queue === countryRoute('PE').queueName ? event.Records.map((record) => JSON.parse(record.body) as { type?: string; insuredId?: string }) : [];
    const mine = bodies.filter((body) => body.insuredId === slowInsuredId);
    const isCancellation = mine.some((body) => body.type === 'AppointmentCancellationRequested');
    if (mine.length > 0 && !isCancellation) {
      bookingHeld();
      await cancellationHasFinished;
    }
    const result = await invoke(event);
    if (isCancellation) cancellationFinished();
    return result;
  };

  const { stack, pool, book, cancel, settled } = withBookingStack({ hooks: { aroundInvoke: holdBookingUntilCancelled } });

  it('ends CANCELLED with the slot free: the late booking finds its cancellation and takes nothing', async () => {
    // Given a booking whose country worker is slow to run it
    slowInsuredId = newInsuredId();
    const scheduleId = newScheduleId();
    const subscriber = await subscribeToStatusChanges(stack(), [slowInsuredId]);
    try {
      const pending = await book(slowInsuredId, scheduleId);
      await bookingIsHeld;

      // When the insured person cancels it before the country has seen the booking
      const cancelled = await cancel(pending);
      expect(cancelled.data?.cancelAppointment).toMatchObject({ status: 'CANCELLED' });
      await stack().router.waitForIdle(20_000);

      // Then it stays CANCELLED, subscribers heard only CANCELLED, and the country row is a cancelled one
      expect((await settled(pending))?.status).toBe('CANCELLED');
      expect(new Set(subscriber.statusesOf(pending.appointmentId))).toEqual(new Set(['CANCELLED']));
      expect(await slotRows(pool(), 'PE', scheduleId)).toEqual([{ appointment_id: pending.appointmentId, status: 'CANCELLED' }]);

      // And the insured person was emailed the cancellation only: the confirmation the lifecycle dropped sends nothing
      expect((await emailsAboutOnceSent(stack(), pending.appointmentId)).map((email) => email.subject.split(':')[0])).toEqual(['Cita cancelada']);

      // And the slot is free for someone else
      const other = await book(newInsuredId(), scheduleId);
      expect((await settled(other))?.status).toBe('COMPLETED');
    } finally {
      await subscriber.close();
    }
  });
});
