import { countries } from '../../core/domain/countries';
import { spokenDateTime } from '../../core/domain/zoned-time';
import type { ChileCentre, PeruCentre, Slot } from '../../core/graphql/types.generated';
import { metricNames } from '../../core/observability/metrics';
import { apiClient, SLOT_FIELDS } from '../../local/api-client';
import { LOCAL_SENDER_EMAIL, type LocalStack } from '../../local/stack';
import { localInsuredAddress } from '../../local/identity/user-pool-accounts';
import { appointmentIdOf, emailsAbout, emailsAboutOnceSent, inboxOf, readable } from '../support/emails';
import { describeWithMysql } from '../support/mysql';
import { given, http, then, when, type FreeSlots } from '../steps';
import { pollUntil } from './client';

/**
 * The insured person's email, over the local stack as `npm start` runs it: every stored outcome of
 * their booking reaches their own account's address once, in Spanish, whoever booked.
 */

describeWithMysql('email: the insured person hears every outcome of their booking', () => {
  let stack: LocalStack;
  let slots: FreeSlots;
  const logLines: string[] = [];

  beforeAll(async () => {
    // Not quiet: the skipped email is seen in the stack's log lines.
    stack = await given.aLocalStack({ quiet: false, log: (line) => logLines.push(line) });
    slots = await given.freeSlotsIn(stack, { PE: 4, CL: 2 });
  }, 90_000);

  afterAll(async () => {
    await stack?.stop();
  });

  const asInsured = (insuredId: string) => when.over(http(stack, given.aSignedInInsuredPerson(stack, insuredId)));
  const asStaff = () => when.over(http(stack, given.staff(stack)));

  /** The slot the API says an appointment holds (Appointment.slot): what its emails must say. */
  async function slotOfAppointment(insuredId: string, appointmentId: string): Promise<Slot> {
    const staff = apiClient(stack, { token: await given.staff(stack) });
    const answer = await staff.request<{ appointments: { items: { appointmentId: string; slot: Slot | null }[] } }>(
      `query Booked($insuredId: String!) { appointments(insuredId: $insuredId) { items { appointmentId slot { ${SLOT_FIELDS} } } } }`,
      { insuredId },
    );
    const slot = answer.data?.appointments.items.find((item) => item.appointmentId === appointmentId)?.slot;
    if (!slot) throw new Error(`Appointment ${appointmentId} has no slot: ${JSON.stringify(answer)}`);
    return slot;
  }

  /** The slot's date and time as the person reads it: its country's words, on its centre's clock. */
  const spokenStart = (slot: Slot) => spokenDateTime(slot.startsAt, { ...countries[slot.countryISO], timeZone: slot.centre.timeZone });

  it('an insured person books: the confirmation reaches their inbox once, in Peruvian Spanish, from the sender identity', async () => {
    // Given an insured person signed in to their app
    const insuredId = given.anInsuredPerson();
    const app = asInsured(insuredId);

    // When they book a slot in Peru
    const booked = then.accepted(await app.bookAppointment({ insuredId, ...slots.next('PE') }));
    const [email] = await emailsAboutOnceSent(stack, booked.appointmentId);

    // Then one email confirms it, to their account's address, from the deployment's sender
    expect(email).toMatchObject({ from: LOCAL_SENDER_EMAIL, destination: { to: [localInsuredAddress(insuredId)] } });
    // And it says what, when and where: the booked slot's specialty, doctor, centre and district, at Lima's time
    const slot = await slotOfAppointment(insuredId, booked.appointmentId);
    const centre = slot.centre as PeruCentre;
    expect(email!.subject).toBe(`Cita confirmada: ${slot.specialty.name}, ${spokenStart(slot)}`);
    expect(email!.body.text).toContain(`Fecha y hora: ${spokenStart(slot)} (hora de Lima)`);
    expect(email!.body.text).toContain(`Especialidad: ${slot.specialty.name}`);
    expect(email!.body.text).toContain(`Médico/a: ${slot.doctor.name}`);
    expect(email!.body.text).toContain(`Centro: ${centre.name}`);
    expect(email!.body.text).toContain(`Ubicación: ${centre.district}`);
    expect(email!.body.text).toContain('País: Perú');
    expect(email!.body.text).toContain(`Código de cita: ${booked.appointmentId}`);
    expect(email!.body.text).toContain('Estado: Confirmada');
    expect(readable(email!)).not.toContain('N.º');
    expect(email!.body.html).toContain('lang="es-PE"');
    expect(email!.body.html).toContain(`${spokenStart(slot)} (hora de Lima)`);

    // And no second one follows once the pipeline is idle
    await stack.router.waitForIdle(20_000);
    expect(await inboxOf(stack, insuredId)).toHaveLength(1);
  });

  it('staff book for an insured person: the confirmation goes to that person, not to the agent', async () => {
    // Given a call-centre agent and an insured person who has not signed in
    const insuredId = given.anInsuredPerson();

    // When the agent books a Chilean slot on that person's behalf
    const booked = then.accepted(await asStaff().bookAppointment({ insuredId, ...slots.next('CL') }));
    const [email] = await emailsAboutOnceSent(stack, booked.appointmentId);

    // Then the insured person gets the confirmation, in Chilean Spanish, at Santiago's time, the commune before the region
    expect(email?.destination.to).toEqual([localInsuredAddress(insuredId)]);
    const slot = await slotOfAppointment(insuredId, booked.appointmentId);
    const centre = slot.centre as ChileCentre;
    expect(email!.subject).toBe(`Cita confirmada: ${slot.specialty.name}, ${spokenStart(slot)}`);
    expect(email!.body.text).toContain(`Fecha y hora: ${spokenStart(slot)} (hora de Santiago)`);
    expect(email!.body.text).toContain(`Médico/a: ${slot.doctor.name}`);
    expect(email!.body.text).toContain(`Centro: ${centre.name}`);
    expect(email!.body.text).toContain(`Ubicación: ${centre.commune}, ${centre.region}`);
    expect(email!.body.html).toContain('lang="es-CL"');
  });

  it('a contested slot: the holder is confirmed, and every other insured person is told it was taken and to book another', async () => {
    // Given three insured people
    const insuredIds = given.insuredPeople(3);
    const slot = slots.next('PE');

    // When they all book the same slot at once
    const booked = (await Promise.all(insuredIds.map((insuredId) => asInsured(insuredId).bookAppointment({ insuredId, ...slot })))).map(
      then.accepted,
    );
    const emails = (await Promise.all(booked.map((appointment) => emailsAboutOnceSent(stack, appointment.appointmentId)))).flat();

    // Then each person got one email about their own booking: one confirmed, two rejected with the reason and the next step
    expect(emails).toHaveLength(3);
    for (const appointment of booked) {
      expect(emails.filter((email) => appointmentIdOf(email) === appointment.appointmentId).map((email) => email.destination.to)).toEqual([
        [localInsuredAddress(appointment.insuredId)],
      ]);
    }
    expect(emails.filter((email) => /confirmada/i.test(email.subject))).toHaveLength(1);
    const rejections = emails.filter((email) => /rechazada/i.test(email.subject));
    expect(rejections).toHaveLength(2);
    // And every email names the contested slot's time, the rejections included, so each person knows which booking failed
    const contested = await slotOfAppointment(booked[0]!.insuredId, booked[0]!.appointmentId);
    for (const email of emails) expect(email.body.text).toContain(`Fecha y hora: ${spokenStart(contested)} (hora de Lima)`);
    for (const rejection of rejections) {
      expect(readable(rejection)).toMatch(/otra persona asegurada reservó ese espacio/i);
      expect(readable(rejection)).toMatch(/reserve otro espacio/i);
    }
  });

  it('a cancellation: the confirmation, then the cancellation, each once', async () => {
    // Given a confirmed appointment
    const insuredId = given.anInsuredPerson();
    const app = asInsured(insuredId);
    const booked = await given.aBooking(app, { insuredId, ...slots.next('CL') });
    await emailsAboutOnceSent(stack, booked.appointmentId);

    // When the insured person cancels it
    await app.cancelAppointment(booked);
    const emails = await emailsAboutOnceSent(stack, booked.appointmentId, 2);
    await stack.router.waitForIdle(20_000);

    // Then they got the confirmation and then the cancellation, and nothing more
    expect(emails.map((email) => email.subject.split(':')[0])).toEqual(['Cita confirmada', 'Cita cancelada']);
    expect(readable(emails[1]!)).toMatch(/espacio quedó libre/i);
    // And the cancellation names the appointment it cancelled: its slot's time and centre
    const slot = await slotOfAppointment(insuredId, booked.appointmentId);
    expect(emails[1]!.subject).toBe(`Cita cancelada: ${slot.specialty.name}, ${spokenStart(slot)}`);
    expect(emails[1]!.body.text).toContain(`Centro: ${slot.centre.name}`);
    expect(await emailsAbout(stack, booked.appointmentId)).toHaveLength(2);
  });

  it('a person whose address changed: the email goes to the new verified address', async () => {
    // Given an insured person who changed and verified their address
    const insuredId = given.anInsuredPerson();
    stack.userPoolAccounts.setEmail(insuredId, { email: `nuevo.${insuredId}@correo.test`, verified: true });

    // When they book
    const booked = then.accepted(await asInsured(insuredId).bookAppointment({ insuredId, ...slots.next('PE') }));
    const [email] = await emailsAboutOnceSent(stack, booked.appointmentId);

    // Then the confirmation goes to the new address
    expect(email?.destination.to).toEqual([`nuevo.${insuredId}@correo.test`]);
  });

  it('a person without a verified address: no email, and the skip is logged with the appointment id and counted, not retried', async () => {
    // Given an insured person whose address is not verified
    const insuredId = given.anInsuredPerson();
    stack.userPoolAccounts.setEmail(insuredId, { email: `sin.verificar.${insuredId}@correo.test`, verified: false });

    // When staff book for them and the booking is confirmed
    const booked = then.accepted(await asStaff().bookAppointment({ insuredId, ...slots.next('PE') }));
    const skipped = await pollUntil(
      () => Promise.resolve(logLines.filter((line) => line.includes(booked.appointmentId) && line.includes('no email sent'))),
      (lines) => lines.length > 0,
      20_000,
    );
    await stack.router.waitForIdle(20_000);

    // Then nothing was sent, the skip was logged once (no retry) and counted as EmailsSkipped
    expect(await emailsAbout(stack, booked.appointmentId)).toEqual([]);
    expect(skipped).toHaveLength(1);
    expect(logLines.some((line) => line.includes(`"${metricNames.emailsSkipped}":1`) && line.includes('NO_VERIFIED_ADDRESS'))).toBe(true);
    expect(stack.router.deadLetters('appointment-emails-dlq')).toEqual([]);
  });
});
