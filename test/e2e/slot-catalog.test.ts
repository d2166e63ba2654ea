import { randomUUID } from 'node:crypto';
import type { Appointment, AppointmentStatusChange, CountryISO, PublishSlotsInput } from '../../core/graphql/types.generated';
import { countryRoute, topology } from '../../core/config/topology';
import { SLOT_FIELDS } from '../../local/api-client';
import { connectRealtime } from '../../local/realtime-client';
import type { LocalStack } from '../../local/stack';
import { given } from '../steps';
import { apiClient, doctorsFreeSlots, pollUntil } from './client';

/** An appointment as a booking screen asks for it: with when and where (`slot`, null for one booked before the catalog). */
const APPOINTMENT_WITH_SLOT = `appointmentId insuredId scheduleId countryISO status slot { ${SLOT_FIELDS} }`;
const BOOK = `mutation Book($input: CreateAppointmentInput!) { createAppointment(input: $input) { ${APPOINTMENT_WITH_SLOT} } }`;
const LIST = `query Mine($insuredId: String!) { appointments(insuredId: $insuredId) { items { ${APPOINTMENT_WITH_SLOT} } } }`;
const CANCEL = `mutation Cancel($insuredId: String!, $appointmentId: ID!) {
  cancelAppointment(insuredId: $insuredId, appointmentId: $appointmentId) { ${APPOINTMENT_WITH_SLOT} }
}`;
const FOLLOW = `subscription Follow($insuredId: String!) {
  onAppointmentStatusChanged(insuredId: $insuredId) { appointmentId status slot { ${SLOT_FIELDS} } }
}`;

/**
 * The slot catalog as its users meet it over HTTP: staff publish a doctor's sessions, apps browse
 * the free slots (in the centre's own zone, with its country's attributes) and the country's catalog,
 * and everyone else is refused. One stack on the test MySQL for the file.
 */
describe('the slot catalog', () => {
  let stack: LocalStack;
  let staff: ReturnType<typeof apiClient>;
  let developer: ReturnType<typeof apiClient>;

  beforeAll(async () => {
    stack = await given.aLocalStack();
    staff = apiClient(stack, { token: await given.staff(stack) });
    developer = apiClient(stack);
  }, 90_000);
  afterAll(async () => stack?.stop());

  /** A date `days` ahead, as the centre's calendar reads it (far enough that no test meets midnight). */
  const daysAhead = (days: number) => new Date(Date.now() + days * 86_400_000).toISOString().slice(0, 10);

  /** A doctor of this test alone, with one morning session at a Lima or Santiago centre. */
  function aDoctorsSession(countryISO: CountryISO, date = daysAhead(10)): PublishSlotsInput {
    const doctorId = `dr-${randomUUID().slice(0, 8)}`;
    const centre =
      countryISO === 'PE'
        ? { centreId: 'pe-clinica-miraflores', name: 'Clínica Miraflores', peru: { district: 'Miraflores' } }
        : {
            centreId: 'cl-clinica-providencia',
            name: 'Clínica Providencia',
            chile: { commune: 'Providencia', region: 'Región Metropolitana' },
          };
    return {
      countryISO,
      centre,
      specialty: { specialtyId: 'cardiologia', name: 'Cardiología' },
      doctor: { doctorId, name: `Dra. Prueba ${doctorId}` },
      sessions: [{ date, from: '09:00', to: '10:00', everyMinutes: 20 }],
    };
  }

  const freeSlotsOf = (countryISO: CountryISO, doctorId: string, date: string) => doctorsFreeSlots(stack, countryISO, doctorId, date);

  it("given staff publish a Lima doctor's morning, when an app browses that doctor, then it sees three free slots at 09:00, 09:20 and 09:40 Lima time, at a PeruCentre with its district", async () => {
    const session = aDoctorsSession('PE');

    const published = await staff.publishSlots(session);

    expect(published.errors).toBeUndefined();
    expect(published.data?.publishSlots).toMatchObject({ countryISO: 'PE', slotCount: 3 });
    const slots = await freeSlotsOf('PE', session.doctor.doctorId, session.sessions[0]!.date);
    const date = session.sessions[0]!.date;
    expect(slots.map((slot) => slot.startsAt)).toEqual([`${date}T09:00:00-05:00`, `${date}T09:20:00-05:00`, `${date}T09:40:00-05:00`]);
    expect(slots[0]).toMatchObject({
      countryISO: 'PE',
      endsAt: `${date}T09:20:00-05:00`,
      centre: { __typename: 'PeruCentre', centreId: 'pe-clinica-miraflores', district: 'Miraflores', timeZone: 'America/Lima' },
      specialty: { specialtyId: 'cardiologia', name: 'Cardiología' },
      doctor: session.doctor,
    });
  });

  it('given staff publish the same sessions twice, when an app browses, then each slot is there once', async () => {
    const session = aDoctorsSession('CL');

    await staff.publishSlots(session);
    await staff.publishSlots(session);

    const slots = await freeSlotsOf('CL', session.doctor.doctorId, session.sessions[0]!.date);
    expect(slots).toHaveLength(3);
    expect(new Set(slots.map((slot) => slot.scheduleId)).size).toBe(3);
    expect(slots[0]?.centre).toMatchObject({ __typename: 'ChileCentre', commune: 'Providencia', region: 'Región Metropolitana' });
  });

  it("given a Lima doctor's morning published, when an insured person browses, books the first free slot and later cancels, then the booking says when and where, COMPLETED is heard with it, the slot leaves availableSlots while booked and comes back once cancelled", async () => {
    // Given staff published a doctor's morning, and an insured person signed in to their app, following their appointments
    const session = aDoctorsSession('PE');
    await staff.publishSlots(session);
    const date = session.sessions[0]!.date;
    const insuredId = given.anInsuredPerson();
    const app = apiClient(stack, { token: await given.aSignedInInsuredPerson(stack, insuredId) });
    const following = await connectRealtime(stack, { 'x-api-key': stack.apiKey });
    const heard: AppointmentStatusChange[] = [];
    await following.subscribe<{ onAppointmentStatusChanged: AppointmentStatusChange }>(
      { query: FOLLOW, variables: { insuredId } },
      (data) => heard.push(data.onAppointmentStatusChanged),
    );
    try {
      // When they browse the doctor's free slots and book the first
      const [first] = await freeSlotsOf('PE', session.doctor.doctorId, date);
      const booked = await app.request<{ createAppointment: Appointment }>(BOOK, {
        input: { insuredId, scheduleId: first!.scheduleId, countryISO: 'PE' },
      });

      // Then the answer is their PENDING appointment, saying when (Lima's clock, with its offset) and where (a PeruCentre and its district)
      expect(booked.errors).toBeUndefined();
      const appointment = booked.data!.createAppointment;
      expect(appointment).toMatchObject({ insuredId, scheduleId: first!.scheduleId, countryISO: 'PE', status: 'PENDING', slot: first });
      expect(appointment.slot).toEqual({
        scheduleId: first!.scheduleId,
        countryISO: 'PE',
        startsAt: `${date}T09:00:00-05:00`,
        endsAt: `${date}T09:20:00-05:00`,
        centre: {
          __typename: 'PeruCentre',
          centreId: 'pe-clinica-miraflores',
          name: 'Clínica Miraflores',
          timeZone: 'America/Lima',
          district: 'Miraflores',
        },
        specialty: { specialtyId: 'cardiologia', name: 'Cardiología' },
        doctor: session.doctor,
      });

      // And they hear it COMPLETED, with its slot
      const completed = await pollUntil(
        () => Promise.resolve(heard.find((change) => change.appointmentId === appointment.appointmentId && change.status === 'COMPLETED')),
        Boolean,
        20_000,
      );
      expect(completed).toEqual({ appointmentId: appointment.appointmentId, status: 'COMPLETED', slot: appointment.slot });

      // And the slot is gone from availableSlots, and their list shows the appointment with it
      const whileBooked = await freeSlotsOf('PE', session.doctor.doctorId, date);
      expect(whileBooked.map((slot) => slot.scheduleId)).not.toContain(first!.scheduleId);
      expect(whileBooked).toHaveLength(2);
      const listed = await app.request<{ appointments: { items: Appointment[] } }>(LIST, { insuredId });
      expect(listed.data?.appointments.items).toEqual([{ ...appointment, status: 'COMPLETED' }]);

      // When they cancel it
      const cancelled = await app.request<{ cancelAppointment: Appointment }>(CANCEL, {
        insuredId,
        appointmentId: appointment.appointmentId,
      });

      // Then it is CANCELLED, still saying which slot it was, and the slot is free again
      expect(cancelled.data?.cancelAppointment).toEqual({ ...appointment, status: 'CANCELLED' });
      const afterCancel = await freeSlotsOf('PE', session.doctor.doctorId, date);
      expect(afterCancel.map((slot) => slot.scheduleId)).toContain(first!.scheduleId);
      expect(afterCancel.find((slot) => slot.scheduleId === first!.scheduleId)).toEqual(first);
    } finally {
      await following.close();
    }
  });

  it('given an appointment booked before the catalog (stored as the previous version stored it, on a slot no catalog has), when its insured person lists it, then it completes and lists with slot null, and it can be cancelled', async () => {
    // Given the item, the claim and the request the previous version left, and the pipeline that took it on
    const insuredId = given.anInsuredPerson();
    const before = await given.anAppointmentBookedBeforeTheCatalog(stack, { insuredId, countryISO: 'CL' });
    await stack.router.waitForIdle();

    // When its insured person lists their appointments, and cancels it
    const listed = await developer.request<{ appointments: { items: Appointment[] } }>(LIST, { insuredId });
    const cancelled = await developer.request<{ cancelAppointment: Appointment }>(CANCEL, {
      insuredId,
      appointmentId: before.appointmentId,
    });
    await stack.router.waitForIdle();

    // Then it was listed COMPLETED with no slot, the cancellation answered CANCELLED, and nothing was left in a dead-letter queue
    const asBefore = { appointmentId: before.appointmentId, insuredId, scheduleId: before.scheduleId, countryISO: 'CL', slot: null };
    expect(listed.errors).toBeUndefined();
    expect(listed.data?.appointments.items).toEqual([{ ...asBefore, status: 'COMPLETED' }]);
    expect(cancelled.data?.cancelAppointment).toEqual({ ...asBefore, status: 'CANCELLED' });
    expect((await developer.request<{ appointments: { items: Appointment[] } }>(LIST, { insuredId })).data?.appointments.items).toEqual([
      { ...asBefore, status: 'CANCELLED' },
    ]);
    for (const queue of [countryRoute('CL'), topology.confirmations]) expect(stack.router.deadLetters(queue.queueName)).toEqual([]);
  });

  it('given a published slot, when staff withdraw it, then it is gone and cannot be booked; and a booked one is refused with SlotHeldError', async () => {
    const session = aDoctorsSession('PE');
    await staff.publishSlots(session);
    const date = session.sessions[0]!.date;
    const [toWithdraw, toBook] = await freeSlotsOf('PE', session.doctor.doctorId, date);
    await developer.createAppointment({ insuredId: given.anInsuredPerson(), scheduleId: toBook!.scheduleId, countryISO: 'PE' });
    await stack.router.waitForIdle();

    const withdrawn = await staff.withdrawSlot('PE', toWithdraw!.scheduleId);
    const held = await staff.withdrawSlot('PE', toBook!.scheduleId);

    expect(withdrawn.errors).toBeUndefined();
    expect(held.errors).toEqual([expect.objectContaining({ errorType: 'SlotHeldError' })]);
    const remaining = await freeSlotsOf('PE', session.doctor.doctorId, date);
    expect(remaining.map((slot) => slot.scheduleId)).toEqual([expect.any(Number)]);
    expect(remaining.map((slot) => slot.scheduleId)).not.toContain(toWithdraw!.scheduleId);

    // And whoever still holds the withdrawn slot's number (a screen opened before) is refused, and nothing is stored for them
    await stack.router.waitForIdle();
    const late = given.anInsuredPerson();
    const booking = await developer.createAppointment({ insuredId: late, scheduleId: toWithdraw!.scheduleId, countryISO: 'PE' });
    expect(booking.errors?.map(({ errorType, message }) => ({ errorType, message }))).toEqual([
      {
        errorType: 'ValidationError',
        message: `scheduleId ${toWithdraw!.scheduleId} is not a slot of PE's catalog: choose one from availableSlots`,
      },
    ]);
    expect(
      (await developer.request<{ appointments: { items: Appointment[] } }>(LIST, { insuredId: late })).data?.appointments.items,
    ).toEqual([]);
  });

  it('given an insured person or the API key, when they publish slots, then they are refused as Unauthorized and no slot appears', async () => {
    const session = aDoctorsSession('PE');
    const insured = apiClient(stack, { token: await given.aSignedInInsuredPerson(stack, given.anInsuredPerson()) });

    const byInsured = await insured.publishSlots(session);
    const byApiKey = await developer.publishSlots(session);

    expect(byInsured.errors).toEqual([expect.objectContaining({ errorType: 'Unauthorized' })]);
    expect(byApiKey.errors).toEqual([expect.objectContaining({ errorType: 'Unauthorized' })]);
    expect(await freeSlotsOf('PE', session.doctor.doctorId, session.sessions[0]!.date)).toEqual([]);
  });

  it('given published slots, when an app asks for the catalog, then it lists the centre with its district, the specialty and the doctor', async () => {
    const session = aDoctorsSession('PE');
    await staff.publishSlots(session);
    await stack.router.waitForIdle();

    const answer = await developer.catalog('PE');

    expect(answer.errors).toBeUndefined();
    expect(answer.data?.catalog.centres).toContainEqual(
      expect.objectContaining({ centreId: 'pe-clinica-miraflores', district: 'Miraflores' }),
    );
    expect(answer.data?.catalog.specialties).toContainEqual({ specialtyId: 'cardiologia', name: 'Cardiología' });
    expect(answer.data?.catalog.doctors).toContainEqual(session.doctor);
  });

  it('given a window wider than 31 days, when an app browses, then it is refused with a ValidationError naming the limit', async () => {
    const answer = await developer.availableSlots({ countryISO: 'PE', from: '2027-01-01T00:00:00Z', to: '2027-03-01T00:00:00Z' });

    expect(answer.errors).toEqual([expect.objectContaining({ errorType: 'ValidationError' })]);
    expect(answer.errors?.[0]?.message).toContain('31 days');
  });

  it("given a booking screen, when it asks for the catalog, a page of free slots and the person's appointments in one request, then all three are answered", async () => {
    const insuredId = given.anInsuredPerson();
    const answer = await developer.request<Record<string, unknown>>(
      `query Screen($insuredId: String!, $from: AWSDateTime!, $to: AWSDateTime!) {
        catalog(countryISO: PE) { specialties { specialtyId } }
        availableSlots(countryISO: PE, from: $from, to: $to, limit: 5) { items { scheduleId } nextToken }
        appointments(insuredId: $insuredId) { items { appointmentId } }
      }`,
      { insuredId, from: new Date().toISOString(), to: new Date(Date.now() + 7 * 86_400_000).toISOString() },
    );

    expect(answer.errors).toBeUndefined();
    expect(Object.keys(answer.data ?? {})).toEqual(['catalog', 'availableSlots', 'appointments']);
  });
});
