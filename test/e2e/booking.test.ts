import type { SQSEvent } from 'aws-lambda';
import type { Pool } from 'mysql2/promise';
import { countryRoute } from '../../core/config/topology';
import type { Consumer } from '../../local/router/queue';
import type { LocalStack, LocalStackOptions } from '../../local/stack';
import { describeWithMysql, slotRows, testPool } from '../support/mysql';
import { emailsAboutOnceSent } from '../support/emails';
import { subscribeToStatusChanges, type StatusChangeSubscriber } from '../support/status-change-subscriber';
import { given, http, then, when, type AppointmentAnswer, type AppointmentsApi, type FreeSlots, type SlotCounts } from '../steps';

/**
 * Booking for real, over HTTP against the local stack: a slot is held once, a retry is not a
 * second booking, and a cancellation frees the slot, whatever order the queues deliver in.
 */

/**
 * A local stack on the test run's MySQL (the country schema decides who holds a slot) and a pool
 * on that MySQL, started around a describe block's tests with `slots` of its catalog for them to
 * book; `appOf` is an insured person's app, signed in with their own token.
 */
function withBookingStack(slots: SlotCounts, options: LocalStackOptions = {}) {
  const started: { stack?: LocalStack; pool?: Pool; slots?: FreeSlots } = {};
  beforeAll(async () => {
    started.stack = await given.aLocalStack(options);
    started.slots = await given.freeSlotsIn(started.stack, slots);
    started.pool = testPool();
  }, 90_000);
  afterAll(async () => {
    await started.stack?.stop();
    await started.pool?.end();
  });
  const stack = (): LocalStack => started.stack!;
  const appOf = (insuredId: string): AppointmentsApi => when.over(http(stack(), given.aSignedInInsuredPerson(stack(), insuredId)));
  return { stack, pool: (): Pool => started.pool!, appOf, slots: (): FreeSlots => started.slots! };
}

describeWithMysql('booking a slot: one holder, retries, cancellation', () => {
  const { stack, pool, appOf, slots } = withBookingStack({ PE: 3, CL: 2 });

  it('20 insured people racing for one slot: exactly one COMPLETED, 19 REJECTED with SLOT_TAKEN and told so in real time, one active row', async () => {
    // Given 20 insured people following their appointments
    const insuredIds = given.insuredPeople(20);
    const slot = slots().next('PE');
    const subscriber: StatusChangeSubscriber = await subscribeToStatusChanges(stack(), insuredIds);
    try {
      // When they all book the same slot at once
      const answers = await Promise.all(insuredIds.map((insuredId) => appOf(insuredId).bookAppointment({ insuredId, ...slot })));

      // Then each got a PENDING appointment of their own, and once settled exactly one holds the slot
      const booked = answers.map((answer) => then.theAppointmentIs(answer, 'PENDING'));
      const outcomes = await Promise.all(booked.map((appointment) => then.theOutcomeOf(appOf(appointment.insuredId), appointment)));
      expect(outcomes.filter((outcome) => outcome?.status === 'COMPLETED')).toHaveLength(1);
      const rejected = outcomes.filter((outcome) => outcome?.status === 'REJECTED');
      expect(rejected).toHaveLength(19);
      expect(rejected.every((outcome) => outcome?.rejectionReason === 'SLOT_TAKEN')).toBe(true);
      // And the country holds one active booking of the slot
      const rows = await slotRows(pool(), slot.countryISO, slot.scheduleId);
      expect(rows.filter((row) => row.status === 'SCHEDULED')).toHaveLength(1);
      expect(rows.filter((row) => row.status === 'REJECTED')).toHaveLength(19);
      // And every one of them heard their outcome on the subscription
      for (const outcome of outcomes) await then.subscribersHeard(subscriber, outcome!.appointmentId, outcome!.status, 10_000);
      expect(
        subscriber.received.filter((change) => change.status === 'REJECTED').every((change) => change.rejectionReason === 'SLOT_TAKEN'),
      ).toBe(true);
    } finally {
      await subscriber.close();
    }
  });

  it.each([
    [
      'one after another',
      async (send: () => Promise<AppointmentAnswer>) => [await send(), await send(), await send(), await send(), await send()],
    ],
    ['all at once', (send: () => Promise<AppointmentAnswer>) => Promise.all(Array.from({ length: 5 }, send))],
  ])('the same booking sent 5 times, %s: one appointment, COMPLETED, one row', async (_how, sendFive) => {
    // Given an insured person whose app retries
    const insuredId = given.anInsuredPerson();
    const slot = slots().next('CL');
    const app = appOf(insuredId);

    // When the same request is sent 5 times
    const answers = (await sendFive(() => app.bookAppointment({ insuredId, ...slot }))).map(then.accepted);

    // Then every answer names the one appointment, it completes, and the country has one row for the slot
    const [first] = answers;
    expect(answers.map((answer) => answer.appointmentId)).toEqual(answers.map(() => first!.appointmentId));
    expect(then.listed(await app.listAppointments(insuredId, { limit: 100 })).items.map((item) => item.appointmentId)).toEqual([
      first!.appointmentId,
    ]);
    await then.theAppointmentBecomes(app, first!, 'COMPLETED');
    await stack().router.waitForIdle(10_000);
    await then.theSlotsRowsAre(pool(), slot, [{ appointment_id: first!.appointmentId, status: 'SCHEDULED' }]);
  });

  it('a COMPLETED appointment cancelled (twice): CANCELLED at once and in real time, the slot freed and then booked by someone else', async () => {
    // Given an insured person holding a slot, following their appointments
    const [holderId, nextId] = given.insuredPeople(2) as [string, string];
    const slot = slots().next('PE');
    const holder = appOf(holderId);
    const subscriber = await subscribeToStatusChanges(stack(), [holderId]);
    try {
      const held = await given.aBooking(holder, { insuredId: holderId, ...slot });
      await then.theAppointmentBecomes(holder, held, 'COMPLETED');

      // When they cancel it, and cancel it again
      const first = await holder.cancelAppointment(held);
      const second = await holder.cancelAppointment(held);

      // Then both answers are the appointment CANCELLED, and the subscription says so
      const cancelled = then.theAppointmentIs(first, 'CANCELLED');
      expect(cancelled).toMatchObject({ appointmentId: held.appointmentId, status: 'CANCELLED' });
      expect(then.accepted(second)).toEqual(cancelled);
      await then.subscribersHeard(subscriber, held.appointmentId, 'CANCELLED', 10_000);
      expect(subscriber.statusesOf(held.appointmentId).filter((status) => status !== 'CANCELLED')).toEqual(['COMPLETED']);

      // And someone else can now book the slot
      await stack().router.waitForIdle(10_000);
      const next = appOf(nextId);
      const rebooked = then.accepted(await next.bookAppointment({ insuredId: nextId, ...slot }));
      await then.theAppointmentBecomes(next, rebooked, 'COMPLETED');
      await then.theSlotsRowsAre(pool(), slot, [
        { appointment_id: held.appointmentId, status: 'CANCELLED' },
        { appointment_id: rebooked.appointmentId, status: 'SCHEDULED' },
      ]);
    } finally {
      await subscriber.close();
    }
  });

  it("a REJECTED appointment or another insured person's cannot be cancelled, and the error says why", async () => {
    // Given a slot held by one insured person and a rejected booking of it by another
    const [holderId, loserId] = given.insuredPeople(2) as [string, string];
    const slot = slots().next('PE');
    const [holder, loser] = [appOf(holderId), appOf(loserId)];
    const held = await given.aBooking(holder, { insuredId: holderId, ...slot });
    await then.theAppointmentBecomes(holder, held, 'COMPLETED');
    const lost = await given.aBooking(loser, { insuredId: loserId, ...slot });
    await then.theAppointmentBecomes(loser, lost, 'REJECTED');

    // When the loser cancels their rejected booking, and then the holder's
    const cancelRejected = await loser.cancelAppointment(lost);
    const cancelOthers = await loser.cancelAppointment(held);

    // Then each is a GraphQL error a client can show, and the holder keeps the slot
    then.refusedWith(cancelRejected, 'AppointmentNotCancellableError', { message: 'REJECTED' });
    then.refusedWith(cancelOthers, 'Unauthorized');
    await then.theAppointmentBecomes(holder, held, 'COMPLETED');
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
    const bodies =
      queue === countryRoute('PE').queueName
        ? event.Records.map((record) => JSON.parse(record.body) as { type?: string; insuredId?: string })
        : [];
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

  const { stack, pool, appOf, slots } = withBookingStack({ PE: 1 }, { hooks: { aroundInvoke: holdBookingUntilCancelled } });

  it('ends CANCELLED with the slot free: the late booking finds its cancellation and takes nothing', async () => {
    // Given a booking whose country worker is slow to run it
    slowInsuredId = given.anInsuredPerson();
    const slot = slots().next('PE');
    const app = appOf(slowInsuredId);
    const subscriber = await subscribeToStatusChanges(stack(), [slowInsuredId]);
    try {
      const pending = await given.aBooking(app, { insuredId: slowInsuredId, ...slot });
      await bookingIsHeld;

      // When the insured person cancels it before the country has seen the booking
      const cancelled = await app.cancelAppointment(pending);
      then.theAppointmentIs(cancelled, 'CANCELLED');
      await stack().router.waitForIdle(20_000);

      // Then it stays CANCELLED, subscribers heard only CANCELLED, and the country row is a cancelled one
      await then.theAppointmentBecomes(app, pending, 'CANCELLED');
      expect(new Set(subscriber.statusesOf(pending.appointmentId))).toEqual(new Set(['CANCELLED']));
      await then.theSlotsRowsAre(pool(), slot, [{ appointment_id: pending.appointmentId, status: 'CANCELLED' }]);

      // And the insured person was emailed the cancellation only: the confirmation the lifecycle dropped sends nothing
      expect((await emailsAboutOnceSent(stack(), pending.appointmentId)).map((email) => email.subject.split(':')[0])).toEqual([
        'Cita cancelada',
      ]);

      // And the slot is free for someone else
      const otherId = given.anInsuredPerson();
      const other = appOf(otherId);
      await then.theAppointmentBecomes(other, then.accepted(await other.bookAppointment({ insuredId: otherId, ...slot })), 'COMPLETED');
    } finally {
      await subscriber.close();
    }
  });
});
