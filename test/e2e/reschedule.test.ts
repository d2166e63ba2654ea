import { randomUUID } from 'node:crypto';
import type { Appointment, CountryISO, Slot } from '../../core/graphql/types.generated';
import type { LocalStack } from '../../local/stack';
import { topology } from '../../core/config/topology';
import { emailsAbout, emailsAboutOnceSent } from '../support/emails';
import { subscribeToStatusChanges, type HeardChange, type StatusChangeSubscriber } from '../support/status-change-subscriber';
import { given, http, then, when, type AppointmentsApi } from '../steps';
import { apiClient, doctorsFreeSlots } from './client';

const LIST_WITH_MOVES = `query Mine($insuredId: String!) {
  appointments(insuredId: $insuredId) {
    items { appointmentId status scheduleId pendingReschedule { moveId to { scheduleId } } movedFrom { scheduleId movedAt slot { startsAt } } }
  }
}`;

/** How long a move may take to be decided and heard on a busy two-core machine. */
const DECIDED_WITHIN_MS = 20_000;

/**
 * Moving an appointment to another slot, over HTTP and the realtime socket against one local stack: the country takes
 * the new slot and frees the old one at once, or refuses and nothing changes; the person hears which, and reads it
 * in a Spanish email; the id stays. Races end in one consistent state. And the reminder email before it: once, at
 * its time (the tests drive the stand-in Scheduler's clock), moved with it, gone when cancelled. Each test
 * publishes a doctor of its own.
 */
describe('rescheduling an appointment, and its reminder', () => {
  let stack: LocalStack;
  let staff: ReturnType<typeof apiClient>;
  let developer: AppointmentsApi;

  beforeAll(async () => {
    stack = await given.aLocalStack();
    staff = apiClient(stack, { token: await given.staff(stack) });
    developer = when.over(http(stack));
  }, 90_000);
  afterAll(async () => stack?.stop());

  const asInsured = (insuredId: string) => when.over(http(stack, given.aSignedInInsuredPerson(stack, insuredId)));

  /** A Lima doctor of this test alone, with `count` free slots 20 minutes apart, ten days ahead; the slots as an app sees them. */
  async function aDoctorsFreeSlots(count: number, countryISO: CountryISO = 'PE'): Promise<Slot[]> {
    const date = new Date(Date.now() + 10 * 86_400_000).toISOString().slice(0, 10);
    const doctorId = `dr-${randomUUID().slice(0, 8)}`;
    const answer = await staff.publishSlots({
      countryISO,
      centre:
        countryISO === 'PE'
          ? { centreId: 'pe-clinica-miraflores', name: 'Clínica Miraflores', peru: { district: 'Miraflores' } }
          : {
              centreId: 'cl-clinica-providencia',
              name: 'Clínica Providencia',
              chile: { commune: 'Providencia', region: 'Región Metropolitana' },
            },
      specialty: { specialtyId: 'cardiologia', name: 'Cardiología' },
      doctor: { doctorId, name: `Dra. Prueba ${doctorId}` },
      sessions: [{ date, from: '09:00', to: '13:00', everyMinutes: 20 }],
    });
    expect(answer.errors).toBeUndefined();
    const slots = await freeSlotsOf(countryISO, doctorId, date);
    expect(slots.length).toBeGreaterThanOrEqual(count);
    return slots.slice(0, count);
  }

  const freeSlotsOf = (countryISO: CountryISO, doctorId: string, date: string) => doctorsFreeSlots(stack, countryISO, doctorId, date);

  /** Whether each slot is among its doctor's free slots, once the pipeline is idle. */
  async function freeNow(...slots: Slot[]): Promise<boolean[]> {
    const free = await freeSlotsOf(slots[0]!.countryISO, slots[0]!.doctor.doctorId, slots[0]!.startsAt.slice(0, 10));
    return slots.map((slot) => free.some((candidate) => candidate.scheduleId === slot.scheduleId));
  }

  /** The insured person's newest appointment as their app lists it, with its moves. */
  async function theirAppointment(insuredId: string): Promise<Appointment> {
    const answer = await apiClient(stack).request<{ appointments: { items: Appointment[] } }>(LIST_WITH_MOVES, { insuredId });
    expect(answer.errors).toBeUndefined();
    return answer.data!.appointments.items[0]!;
  }

  /** A COMPLETED appointment of a new insured person on `slot`. */
  async function aCompletedAppointment(slot: Slot, insuredId = given.anInsuredPerson()): Promise<Appointment> {
    const booked = then.accepted(await developer.bookAppointment({ insuredId, scheduleId: slot.scheduleId, countryISO: slot.countryISO }));
    return then.theAppointmentBecomes(developer, booked, 'COMPLETED');
  }

  /** The settlement of a move heard by the subscriber, once heard. */
  async function theMoveHeard(subscriber: StatusChangeSubscriber, moveId: string): Promise<HeardChange | undefined> {
    await subscriber.waitUntil((heard) => heard.some((change) => change.reschedule?.moveId === moveId), DECIDED_WITHIN_MS);
    return subscriber.received.find((change) => change.reschedule?.moveId === moveId);
  }

  it('given a COMPLETED appointment, when its insured person moves it to a free slot, then it keeps its id, the push says MOVED, the old slot is free and the new one taken, and the email says from when to when', async () => {
    // Given an insured person's COMPLETED appointment, and their app following it
    const [before, after] = (await aDoctorsFreeSlots(2)) as [Slot, Slot];
    const insuredId = given.anInsuredPerson();
    const booked = await aCompletedAppointment(before, insuredId);
    const subscriber = await subscribeToStatusChanges(stack, [insuredId]);
    try {
      // When they move it to the other slot
      const answer = await asInsured(insuredId).rescheduleAppointment({ ...booked, scheduleId: after.scheduleId });

      // Then the answer is the same appointment, still on its slot, the move pending
      const asked = then.accepted(answer);
      expect(asked).toMatchObject({ appointmentId: booked.appointmentId, status: 'COMPLETED', scheduleId: before.scheduleId });
      expect(asked.pendingReschedule).toMatchObject({ to: { scheduleId: after.scheduleId } });
      const moveId = asked.pendingReschedule!.moveId;

      // And the push says MOVED, from the old slot to the new one, the appointment COMPLETED at the new one
      expect(await theMoveHeard(subscriber, moveId)).toMatchObject({
        appointmentId: booked.appointmentId,
        status: 'COMPLETED',
        scheduleId: after.scheduleId,
        reschedule: {
          outcome: 'MOVED',
          fromScheduleId: before.scheduleId,
          from: { scheduleId: before.scheduleId },
          to: { scheduleId: after.scheduleId },
        },
      });

      // And their list shows the same id on the new slot, the old one in its history, nothing pending
      const listed = await then.theOutcomeOf(developer, booked);
      const moved = await theirAppointment(insuredId);
      expect(listed?.appointmentId).toBe(booked.appointmentId);
      expect(moved).toMatchObject({ appointmentId: booked.appointmentId, scheduleId: after.scheduleId, pendingReschedule: null });
      expect(moved.movedFrom).toEqual([expect.objectContaining({ scheduleId: before.scheduleId, slot: { startsAt: before.startsAt } })]);

      // And availableSlots offers the old slot again, not the new one
      expect(await freeNow(before, after)).toEqual([true, false]);

      // And the email says it was moved, when and where to, and from when
      const emails = await emailsAboutOnceSent(stack, booked.appointmentId, 2);
      const movedEmail = emails.find((email) => email.subject.startsWith('Cita reprogramada'));
      expect(movedEmail?.subject).toMatch(/^Cita reprogramada: Cardiología, /);
      expect(movedEmail?.body.text).toContain('Su cita médica fue reprogramada.');
      expect(movedEmail?.body.text).toMatch(/^Horario anterior: .+, Clínica Miraflores, Dra\. Prueba /m);
    } finally {
      await subscriber.close();
    }
  });

  it('given a slot someone else holds, when an insured person asks to move there, then nothing changes: the push says REFUSED (SLOT_TAKEN), the appointment keeps its slot, and the email says so', async () => {
    // Given an insured person's COMPLETED appointment, and a slot another insured person holds
    const [theirs, held] = (await aDoctorsFreeSlots(2)) as [Slot, Slot];
    const insuredId = given.anInsuredPerson();
    const booked = await aCompletedAppointment(theirs, insuredId);
    await aCompletedAppointment(held);
    const subscriber = await subscribeToStatusChanges(stack, [insuredId]);
    try {
      // When they ask to move to the held slot
      const asked = then.accepted(await asInsured(insuredId).rescheduleAppointment({ ...booked, scheduleId: held.scheduleId }));

      // Then the refusal is heard, and the appointment is as it was, on its slot, nothing pending
      expect(await theMoveHeard(subscriber, asked.pendingReschedule!.moveId)).toMatchObject({
        status: 'COMPLETED',
        scheduleId: theirs.scheduleId,
        reschedule: { outcome: 'REFUSED', refusalReason: 'SLOT_TAKEN', to: { scheduleId: held.scheduleId } },
      });
      const listed = await theirAppointment(insuredId);
      expect(listed).toMatchObject({ status: 'COMPLETED', scheduleId: theirs.scheduleId, pendingReschedule: null, movedFrom: [] });
      expect(await freeNow(theirs, held)).toEqual([false, false]);

      // And the email says the change could not be made, and why
      const emails = await emailsAboutOnceSent(stack, booked.appointmentId, 2);
      const refusal = emails.find((email) => email.subject.startsWith('Cita sin cambios'));
      expect(refusal?.body.text).toContain('No pudimos cambiar su cita médica: su reserva sigue como estaba.');
      expect(refusal?.body.text).toContain('Motivo: Otra persona asegurada reservó ese espacio antes que usted.');
    } finally {
      await subscriber.close();
    }
  });

  it('given two moves of one appointment sent at once, then each is either made or refused with RescheduleInProgressError, and it ends on the last made one with only that slot taken', async () => {
    const [from, first, second] = (await aDoctorsFreeSlots(3)) as [Slot, Slot, Slot];
    const booked = await aCompletedAppointment(from);

    const answers = await Promise.all(
      [first, second].map((slot) => developer.rescheduleAppointment({ ...booked, scheduleId: slot.scheduleId })),
    );

    // Whichever was recorded first is made; the other was refused while it was decided, or made after it.
    for (const refused of answers.filter((answer) => answer.errors)) {
      then.refusedWith(refused, 'RescheduleInProgressError', { path: ['rescheduleAppointment'] });
    }
    const made = answers.filter((answer) => !answer.errors).map((answer) => answer.appointment!.pendingReschedule!);
    expect(made.length).toBeGreaterThanOrEqual(1);
    await stack.router.waitForIdle();
    const last = made.reduce((later, move) => (move.moveId > later.moveId ? move : later));
    const settled = await theirAppointment(booked.insuredId);
    expect(settled).toMatchObject({ status: 'COMPLETED', scheduleId: last.to.scheduleId, pendingReschedule: null });
    expect(settled.movedFrom).toHaveLength(made.length);
    expect(await freeNow(from, first, second)).toEqual([from, first, second].map((slot) => slot.scheduleId !== last.to.scheduleId));
  });

  it('given a move and a cancellation of one appointment sent at once, then it ends CANCELLED with every slot it touched free again', async () => {
    const [from, to] = (await aDoctorsFreeSlots(2)) as [Slot, Slot];
    const booked = await aCompletedAppointment(from);

    const [moved, cancelled] = await Promise.all([
      developer.rescheduleAppointment({ ...booked, scheduleId: to.scheduleId }),
      developer.cancelAppointment(booked),
    ]);

    expect(cancelled.errors).toBeUndefined();
    // The move is either asked before the cancellation, or refused because the appointment is CANCELLED by then.
    if (moved.errors) then.refusedWith(moved, 'AppointmentNotReschedulableError', { path: ['rescheduleAppointment'] });
    await stack.router.waitForIdle();
    expect(await theirAppointment(booked.insuredId)).toMatchObject({ status: 'CANCELLED', pendingReschedule: null });
    expect(await freeNow(from, to)).toEqual([true, true]);
  });

  it('given a booking still PENDING, when it is moved at once, then whichever reaches the country first, it ends COMPLETED on the new slot and the old slot stays free', async () => {
    const [from, to] = (await aDoctorsFreeSlots(2)) as [Slot, Slot];
    const insuredId = given.anInsuredPerson();
    const booked = then.accepted(await developer.bookAppointment({ insuredId, scheduleId: from.scheduleId, countryISO: 'PE' }));

    const asked = await developer.rescheduleAppointment({ ...booked, scheduleId: to.scheduleId });

    expect(asked.errors).toBeUndefined();
    const settled = await then.theAppointmentBecomes(developer, booked, 'COMPLETED');
    await stack.router.waitForIdle();
    expect(await theirAppointment(insuredId)).toMatchObject({
      appointmentId: booked.appointmentId,
      scheduleId: to.scheduleId,
      pendingReschedule: null,
    });
    expect(settled.appointmentId).toBe(booked.appointmentId);
    expect(await freeNow(from, to)).toEqual([true, false]);
  });

  it("given an appointment that starts within its country's notice, when its insured person moves it, then NoticePeriodError names the period; staff who override it may", async () => {
    const insuredId = given.anInsuredPerson();
    const soon = await given.aSlotStartingIn(stack, 'PE', 60);
    const booked = await then.theAppointmentBecomes(
      developer,
      then.accepted(await developer.bookAppointment({ insuredId, ...soon })),
      'COMPLETED',
    );
    const [later] = (await aDoctorsFreeSlots(1)) as [Slot];

    const byInsured = await asInsured(insuredId).rescheduleAppointment({ ...booked, scheduleId: later.scheduleId });
    const byStaff = await when
      .over(http(stack, given.staff(stack)))
      .rescheduleAppointment({ ...booked, scheduleId: later.scheduleId, overrideNotice: true });

    then.refusedWith(byInsured, 'NoticePeriodError', {
      message:
        /^Appointments in Peru can be moved to another slot until 2 hours before they start; .+ Call-centre staff may still move it\.$/,
      path: ['rescheduleAppointment'],
    });
    expect(byStaff.errors).toBeUndefined();
    expect(byStaff.appointment?.pendingReschedule?.to.scheduleId).toBe(later.scheduleId);
  });

  it('given a Peruvian appointment, when asked to move to a Chilean slot, then ValidationError says it cannot change country, and nothing is pending', async () => {
    const [from] = (await aDoctorsFreeSlots(1)) as [Slot];
    const booked = await aCompletedAppointment(from);

    const answer = await developer.rescheduleAppointment({ ...booked, scheduleId: from.scheduleId + 1, countryISO: 'CL' });

    then.refusedWith(answer, 'ValidationError', {
      message: `Appointment ${booked.appointmentId} is in Peru and cannot move to a slot of Chile: cancel it and book a slot there instead`,
      path: ['rescheduleAppointment'],
    });
    expect(await theirAppointment(booked.insuredId)).toMatchObject({ pendingReschedule: null });
  });

  /** The appointment's reminder schedule as the stand-in Scheduler holds it, once the pipeline is idle. */
  async function reminderOf(appointmentId: string) {
    await stack.router.waitForIdle();
    return stack.reminders.schedules().find((schedule) => schedule.name === `${topology.reminders.schedulePrefix}${appointmentId}`);
  }
  const reminderEmails = async (appointmentId: string) =>
    (await emailsAbout(stack, appointmentId)).filter((email) => email.subject.startsWith('Recordatorio de su cita'));
  const hoursBefore = (startsAt: string, hours: number) => new Date(Date.parse(startsAt) - hours * 3_600_000);

  it('given a COMPLETED appointment ten days ahead, when its reminder comes due (24 hours before), then one Spanish reminder arrives, and a second delivery sends none', async () => {
    const [slot] = (await aDoctorsFreeSlots(1)) as [Slot];
    const booked = await aCompletedAppointment(slot);

    const schedule = await reminderOf(booked.appointmentId);
    // Other tests' reminders may come due by then too: this one's schedule says whether it fired.
    await stack.reminders.fireDue(hoursBefore(slot.startsAt, 25));
    const beforeItsTime = await reminderOf(booked.appointmentId);
    await stack.reminders.fireDue(hoursBefore(slot.startsAt, 24));
    const [reminder] = await emailsAboutOnceSent(stack, booked.appointmentId, 2).then((emails) =>
      emails.filter((email) => email.subject.startsWith('Recordatorio de su cita')),
    );
    await stack.functions.get('reminder-worker')!.invoke(schedule!.input);
    await stack.router.waitForIdle();

    expect(schedule).toMatchObject({ at: hoursBefore(slot.startsAt, 24), timeZone: 'America/Lima', input: { remindsOf: slot.startsAt } });
    expect(beforeItsTime).toEqual(schedule);
    expect(reminder?.subject).toMatch(/^Recordatorio de su cita: Cardiología, /);
    expect(reminder?.body.text).toContain('Le recordamos su cita médica.');
    expect(await reminderEmails(booked.appointmentId)).toHaveLength(1);
    // Scheduler deletes a one-time schedule once it has fired (ActionAfterCompletion DELETE).
    expect(await reminderOf(booked.appointmentId)).toBeUndefined();
  });

  it('given a reminder scheduled, when the appointment is cancelled, then its schedule is gone, and a reminder left behind sends nothing', async () => {
    const [slot] = (await aDoctorsFreeSlots(1)) as [Slot];
    const booked = await aCompletedAppointment(slot);
    const schedule = await reminderOf(booked.appointmentId);

    then.accepted(await developer.cancelAppointment(booked));
    const afterCancel = await reminderOf(booked.appointmentId);
    await stack.functions.get('reminder-worker')!.invoke(schedule!.input);
    await stack.router.waitForIdle();

    expect(schedule).toBeDefined();
    expect(afterCancel).toBeUndefined();
    expect(await reminderEmails(booked.appointmentId)).toEqual([]);
  });

  it('given a reminder scheduled, when the appointment is moved, then its reminder moves to the new time, and the old time reminds of nothing', async () => {
    const [before, after] = (await aDoctorsFreeSlots(2)) as [Slot, Slot];
    const booked = await aCompletedAppointment(before);
    const old = await reminderOf(booked.appointmentId);

    then.accepted(await developer.rescheduleAppointment({ ...booked, scheduleId: after.scheduleId }));
    const moved = await reminderOf(booked.appointmentId);
    await stack.functions.get('reminder-worker')!.invoke(old!.input);
    await stack.router.waitForIdle();

    expect(old?.at).toEqual(hoursBefore(before.startsAt, 24));
    expect(moved).toMatchObject({ at: hoursBefore(after.startsAt, 24), input: { remindsOf: after.startsAt } });
    expect(await reminderEmails(booked.appointmentId)).toEqual([]);
  });

  it('given a booking inside the reminder lead (starting in an hour), when COMPLETED, then no reminder is scheduled: its confirmation suffices', async () => {
    const soon = await given.aSlotStartingIn(stack, 'PE', 60);
    const booked = then.accepted(await developer.bookAppointment({ insuredId: given.anInsuredPerson(), ...soon }));
    await then.theAppointmentBecomes(developer, booked, 'COMPLETED');

    expect(await reminderOf(booked.appointmentId)).toBeUndefined();
  });
});
