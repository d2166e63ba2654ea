import { metricNames } from '../../core/observability/metrics';
import { LOCAL_SENDER_EMAIL, type LocalStack } from '../../local/stack';
import { localInsuredAddress } from '../../local/identity/user-pool-accounts';
import { emailsAbout, emailsAboutOnceSent, inboxOf, readable } from '../support/emails';
import { describeWithMysql } from '../support/mysql';
import { given, http, then, when } from '../steps';
import { pollUntil } from './client';

/**
 * The insured person's email, over the local stack as `npm start` runs it: every stored outcome of
 * their booking reaches their own account's address once, in Spanish, whoever booked.
 */

describeWithMysql('email: the insured person hears every outcome of their booking', () => {
  let stack: LocalStack;
  const logLines: string[] = [];

  beforeAll(async () => {
    // Not quiet: the skipped email is seen in the stack's log lines.
    stack = await given.aLocalStack({ quiet: false, log: (line) => logLines.push(line) });
  }, 60_000);

  afterAll(async () => {
    await stack?.stop();
  });

  const asInsured = (insuredId: string) => when.over(http(stack, given.aSignedInInsuredPerson(stack, insuredId)));
  const asStaff = () => when.over(http(stack, given.staff(stack)));

  it('an insured person books: the confirmation reaches their inbox once, in Peruvian Spanish, from the sender identity', async () => {
    // Given an insured person signed in to their app
    const insuredId = given.anInsuredPerson();
    const app = asInsured(insuredId);

    // When they book a slot in Peru
    const booked = then.accepted(await app.bookAppointment({ insuredId, ...given.aFreeSlot('PE') }));
    const [email] = await emailsAboutOnceSent(stack, booked.appointmentId);

    // Then one email confirms it, to their account's address, from the deployment's sender
    expect(email).toMatchObject({ from: LOCAL_SENDER_EMAIL, destination: { to: [localInsuredAddress(insuredId)] } });
    expect(readable(email!)).toMatch(/confirmada/i);
    expect(readable(email!)).toContain(`N.º ${booked.scheduleId}`);
    expect(readable(email!)).toContain('Perú');
    expect(readable(email!)).toContain('hora de Lima');
    expect(email!.body.html).toContain('lang="es-PE"');

    // And no second one follows once the pipeline is idle
    await stack.router.waitForIdle(20_000);
    expect(await inboxOf(stack, insuredId)).toHaveLength(1);
  });

  it('staff book for an insured person: the confirmation goes to that person, not to the agent', async () => {
    // Given a call-centre agent and an insured person who has not signed in
    const insuredId = given.anInsuredPerson();

    // When the agent books a Chilean slot on that person's behalf
    const booked = then.accepted(await asStaff().bookAppointment({ insuredId, ...given.aFreeSlot('CL') }));
    const [email] = await emailsAboutOnceSent(stack, booked.appointmentId);

    // Then the insured person gets the confirmation, in Chilean Spanish
    expect(email?.destination.to).toEqual([localInsuredAddress(insuredId)]);
    expect(readable(email!)).toContain('hora de Santiago');
    expect(email!.body.html).toContain('lang="es-CL"');
  });

  it('a contested slot: the holder is confirmed, and every other insured person is told it was taken and to book another', async () => {
    // Given three insured people
    const insuredIds = given.insuredPeople(3);
    const slot = given.aFreeSlot('PE');

    // When they all book the same slot at once
    const booked = (await Promise.all(insuredIds.map((insuredId) => asInsured(insuredId).bookAppointment({ insuredId, ...slot })))).map(
      then.accepted,
    );
    const emails = (await Promise.all(booked.map((appointment) => emailsAboutOnceSent(stack, appointment.appointmentId)))).flat();

    // Then each person got one email about their own booking: one confirmed, two rejected with the reason and the next step
    expect(emails).toHaveLength(3);
    for (const appointment of booked) {
      expect(emails.filter((email) => email.subject.includes(appointment.appointmentId)).map((email) => email.destination.to)).toEqual([
        [localInsuredAddress(appointment.insuredId)],
      ]);
    }
    expect(emails.filter((email) => /confirmada/i.test(email.subject))).toHaveLength(1);
    const rejections = emails.filter((email) => /rechazada/i.test(email.subject));
    expect(rejections).toHaveLength(2);
    for (const rejection of rejections) {
      expect(readable(rejection)).toMatch(/otra persona asegurada reservó ese espacio/i);
      expect(readable(rejection)).toMatch(/reserve otro espacio/i);
    }
  });

  it('a cancellation: the confirmation, then the cancellation, each once', async () => {
    // Given a confirmed appointment
    const insuredId = given.anInsuredPerson();
    const app = asInsured(insuredId);
    const booked = await given.aBooking(app, { insuredId, ...given.aFreeSlot('CL') });
    await emailsAboutOnceSent(stack, booked.appointmentId);

    // When the insured person cancels it
    await app.cancelAppointment(booked);
    const emails = await emailsAboutOnceSent(stack, booked.appointmentId, 2);
    await stack.router.waitForIdle(20_000);

    // Then they got the confirmation and then the cancellation, and nothing more
    expect(emails.map((email) => email.subject.split(':')[0])).toEqual(['Cita confirmada', 'Cita cancelada']);
    expect(readable(emails[1]!)).toMatch(/espacio quedó libre/i);
    expect(await emailsAbout(stack, booked.appointmentId)).toHaveLength(2);
  });

  it('a person whose address changed: the email goes to the new verified address', async () => {
    // Given an insured person who changed and verified their address
    const insuredId = given.anInsuredPerson();
    stack.userPoolAccounts.setEmail(insuredId, { email: `nuevo.${insuredId}@correo.test`, verified: true });

    // When they book
    const booked = then.accepted(await asInsured(insuredId).bookAppointment({ insuredId, ...given.aFreeSlot('PE') }));
    const [email] = await emailsAboutOnceSent(stack, booked.appointmentId);

    // Then the confirmation goes to the new address
    expect(email?.destination.to).toEqual([`nuevo.${insuredId}@correo.test`]);
  });

  it('a person without a verified address: no email, and the skip is logged with the appointment id and counted, not retried', async () => {
    // Given an insured person whose address is not verified
    const insuredId = given.anInsuredPerson();
    stack.userPoolAccounts.setEmail(insuredId, { email: `sin.verificar.${insuredId}@correo.test`, verified: false });

    // When staff book for them and the booking is confirmed
    const booked = then.accepted(await asStaff().bookAppointment({ insuredId, ...given.aFreeSlot('PE') }));
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
