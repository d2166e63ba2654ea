import { CognitoIdentityProviderClient, ListUsersCommand } from '@aws-sdk/client-cognito-identity-provider';
import { SendEmailCommand, SESv2Client } from '@aws-sdk/client-sesv2';
import { mockClient } from 'aws-sdk-client-mock';
import { CognitoAddressBook } from '../../core/adapters/cognito-address-book';
import { SesEmailSender } from '../../core/adapters/ses-email-sender';
import { AppointmentStatus } from '../../core/domain/appointment';
import type { AppointmentStatusChanged } from '../../core/messages/appointment-messages';
import type { NotificationMetrics } from '../../core/observability/metrics';
import type { OutgoingEmail } from '../../core/ports';
import { emailStatusChange } from '../../core/use-cases/email-status-change';
import { given } from '../steps/given';

/** Who gets the insured person's email, and what SES is asked to send. */

const quiet = given.aQuietLogger();
const change: AppointmentStatusChanged = {
  appointmentId: '01JD3S8Y1R8W6ZC7Y9T0QK2M4N',
  insuredId: '00012',
  scheduleId: 100,
  countryISO: 'CL',
  status: AppointmentStatus.CANCELLED,
  rejectionReason: null,
  updatedAt: '2026-11-29T17:30:00.000Z',
  correlationId: 'c-9',
};

function recording() {
  const sent: OutgoingEmail[] = [];
  const measured: string[] = [];
  const metrics: NotificationMetrics = {
    emailSent: (countryISO) => measured.push(`sent ${countryISO}`),
    emailSkipped: (countryISO, reason) => measured.push(`skipped ${countryISO} ${reason}`),
  };
  const mailer = { send: (email: OutgoingEmail) => Promise.resolve(String(sent.push(email))) };
  return { sent, measured, metrics, mailer };
}

describe('emailing a status change', () => {
  it('given a verified address, when the change is emailed, then one email in Spanish goes there and is counted as sent', async () => {
    const { sent, measured, metrics, mailer } = recording();

    const outcome = await emailStatusChange(change, {
      addressBook: { verifiedAddressOf: () => Promise.resolve('ana@correo.cl') },
      mailer,
      logger: quiet,
      metrics,
    });

    expect(outcome).toEqual({ sent: true, messageId: '1' });
    expect(sent).toEqual([expect.objectContaining({ to: 'ana@correo.cl', subject: expect.stringMatching(/^Cita cancelada/) as unknown })]);
    expect(measured).toEqual(['sent CL']);
  });

  it('given no verified address, when the change is emailed, then nothing is sent, the skip is logged with the appointment id and counted, and it does not fail', async () => {
    const { sent, measured, metrics, mailer } = recording();
    const logger = { info: jest.fn(), warn: jest.fn(), error: jest.fn() };

    const outcome = await emailStatusChange(change, {
      addressBook: { verifiedAddressOf: () => Promise.resolve(undefined) },
      mailer,
      logger,
      metrics,
    });

    expect(outcome).toEqual({ sent: false, reason: 'NO_VERIFIED_ADDRESS' });
    expect(sent).toEqual([]);
    expect(measured).toEqual(['skipped CL NO_VERIFIED_ADDRESS']);
    expect(logger.warn).toHaveBeenCalledWith(
      expect.stringContaining('no email sent'),
      expect.objectContaining({ appointmentId: change.appointmentId, correlationId: 'c-9' }),
    );
  });
});

describe('the address of the insured person, from the user pool', () => {
  const cognito = mockClient(CognitoIdentityProviderClient);
  afterEach(() => cognito.reset());

  const user = (attributes: Record<string, string>, enabled = true) => ({
    Username: 'u',
    Enabled: enabled,
    Attributes: Object.entries(attributes).map(([Name, Value]) => ({ Name, Value })),
  });

  it('given the account of that insuredId with a verified address, when looked up, then it is found by the standard lookup attribute', async () => {
    cognito
      .on(ListUsersCommand)
      .resolves({ Users: [user({ 'custom:insuredId': '00012', email: 'ana@correo.pe', email_verified: 'true' })] });

    const address = await new CognitoAddressBook(new CognitoIdentityProviderClient({}), 'pool-1').verifiedAddressOf('00012');

    expect(address).toBe('ana@correo.pe');
    expect(cognito.commandCalls(ListUsersCommand)[0]?.args[0].input).toMatchObject({
      UserPoolId: 'pool-1',
      Filter: 'preferred_username = "00012"',
    });
  });

  it('given accounts that are unverified, disabled or of another insuredId, when looked up, then there is no address', async () => {
    cognito.on(ListUsersCommand).resolves({
      Users: [
        user({ 'custom:insuredId': '00012', email: 'a@correo.pe', email_verified: 'false' }),
        user({ 'custom:insuredId': '00012', email: 'b@correo.pe', email_verified: 'true' }, false),
        user({ 'custom:insuredId': '00099', email: 'c@correo.pe', email_verified: 'true' }),
      ],
    });

    expect(await new CognitoAddressBook(new CognitoIdentityProviderClient({}), 'pool-1').verifiedAddressOf('00012')).toBeUndefined();
  });
});

describe('the email SES is asked to send', () => {
  const ses = mockClient(SESv2Client);
  afterEach(() => ses.reset());

  it('given an email, when sent, then it goes from the sender identity with a UTF-8 text and HTML part', async () => {
    ses.on(SendEmailCommand).resolves({ MessageId: 'm-1' });

    const messageId = await new SesEmailSender(new SESv2Client({}), 'citas@example.com').send({
      to: 'ana@correo.pe',
      subject: 'Cita confirmada',
      text: 'Hola',
      html: '<p>Hola</p>',
    });

    expect(messageId).toBe('m-1');
    expect(ses.commandCalls(SendEmailCommand)[0]?.args[0].input).toEqual({
      FromEmailAddress: 'citas@example.com',
      Destination: { ToAddresses: ['ana@correo.pe'] },
      Content: {
        Simple: {
          Subject: { Data: 'Cita confirmada', Charset: 'UTF-8' },
          Body: { Text: { Data: 'Hola', Charset: 'UTF-8' }, Html: { Data: '<p>Hola</p>', Charset: 'UTF-8' } },
        },
      },
    });
  });
});
