import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Logger } from '@aws-lambda-powertools/logger';
import { deploymentChecks } from '../../core/domain/reserved-check-slots';
import type { AppointmentStatusChanged } from '../../core/messages/appointment-messages';
import type { OutgoingEmail } from '../../core/ports';
import { emailStatusChange } from '../../core/use-cases/email-status-change';
import { localInsuredAddress } from '../../local/identity/user-pool-accounts';
import type { SentEmail } from '../../local/ses/local-ses';
import {
  awaitConfirmation,
  confirmationSubjectOf,
  LocalOutboxEvidence,
  WorkerLogEvidence,
  WORKER_LOG_WAIT_MS,
  type CheckBooking,
  type LogLine,
  type NotificationWorkerLog,
} from '../../local/operators/confirmation-email';

/**
 * `npm run smoke -- --outputs … --email …` proves the confirmation email with the notification worker's
 * log in CloudWatch Logs. The lines here are the ones the worker really writes: its use case run with a
 * Powertools logger whose output is captured, as Lambda captures stdout.
 */

const LOG_GROUP = '/aws/lambda/MedicalAppointments-EmailsnotificationWorker';
const booking: CheckBooking = {
  appointmentId: '01JBQ6Z1Y8M3V4K5N6P7Q8R9ST',
  insuredId: deploymentChecks.insuredId,
  scheduleId: 2_100_000_123,
  countryISO: 'PE',
  bookedAt: new Date('2026-11-29T12:00:00.000Z'),
};

/** The lines the worker logs about one status change of the check booking: sent (SES accepted it), or skipped (no verified address). */
async function workerLines(status: AppointmentStatusChanged['status'], { hasVerifiedAddress = true } = {}): Promise<LogLine[]> {
  const lines: LogLine[] = [];
  const logger = new Logger({ serviceName: 'notificationWorker' });
  // Powertools writes each line to stdout or stderr; Lambda ships both to the function's log group.
  const ship = (chunk: string | Uint8Array) => {
    lines.push({ message: String(chunk).trimEnd(), timestamp: Date.parse('2026-11-29T12:00:05.000Z') });
    return true;
  };
  jest.spyOn(process.stdout, 'write').mockImplementation(ship);
  jest.spyOn(process.stderr, 'write').mockImplementation(ship);
  const change: AppointmentStatusChanged = {
    ...booking,
    correlationId: 'c-1',
    status,
    rejectionReason: null,
    updatedAt: '2026-11-29T12:00:03.000Z',
  };
  await emailStatusChange(change, {
    addressBook: { verifiedAddressOf: () => Promise.resolve(hasVerifiedAddress ? 'operator@example.com' : undefined) },
    mailer: { send: () => Promise.resolve(`ses-message-of-${status}`) },
    logger,
    metrics: { emailSent: () => undefined, emailSkipped: () => undefined },
  });
  jest.restoreAllMocks();
  return lines;
}

/** A log group whose lines arrive after `arrivesOnRead` reads (or never), recording what it was asked. */
function logGroupWith(lines: readonly LogLine[], arrivesOnRead = 1) {
  const asked: { term: string; since: Date }[] = [];
  const log: NotificationWorkerLog = {
    logGroupName: LOG_GROUP,
    linesMentioning: (term, since) => {
      asked.push({ term, since });
      return Promise.resolve(asked.length >= arrivesOnRead ? lines : []);
    },
  };
  return { log, asked };
}

describe("the proof of the check's confirmation email in AWS: the notification worker's log", () => {
  it("given the worker logged the email SES accepted, when the check looks, then it asks the log for the appointment id since just before the booking, and names SES's message id", async () => {
    const { log, asked } = logGroupWith(await workerLines('COMPLETED'));

    const proof = await awaitConfirmation(new WorkerLogEvidence(log, 1_000, 10), booking);

    expect(asked).toEqual([{ term: booking.appointmentId, since: new Date('2026-11-29T11:59:00.000Z') }]);
    expect(proof).toMatch(
      /^SES accepted it \(message id ses-message-of-COMPLETED\), as the notification worker logged at 2026-11-29T12:00:05\.000Z$/,
    );
  });

  it('given the line shows up only after a while, as CloudWatch Logs may take minutes, when the check looks, then it asks again until it is there', async () => {
    const { log, asked } = logGroupWith(await workerLines('COMPLETED'), 3);

    await expect(awaitConfirmation(new WorkerLogEvidence(log, 1_000, 10), booking)).resolves.toContain('ses-message-of-COMPLETED');
    expect(asked).toHaveLength(3);
  });

  it("given Lambda prefixes each line (text log format), when the check reads it, then the worker's JSON after the prefix still counts", async () => {
    const [line] = await workerLines('COMPLETED');
    const prefixed = { ...line!, message: `2026-11-29T12:00:05.000Z\t3f1c9a2e-request\tINFO\t${line!.message}` };

    await expect(awaitConfirmation(new WorkerLogEvidence(logGroupWith([prefixed]).log, 1_000, 10), booking)).resolves.toContain(
      'ses-message-of-COMPLETED',
    );
  });

  it("given only the cancellation's email and a failed try were logged about the appointment, when the check waits, then neither counts and it fails once its wait is over, naming the log group and the wait", async () => {
    const failedTry: LogLine = {
      message: JSON.stringify({
        level: 'ERROR',
        message: 'Message failed; it will be retried',
        messageId: 'sqs-message-1',
        appointmentId: booking.appointmentId,
      }),
      timestamp: 0,
    };
    const { log, asked } = logGroupWith([failedTry, ...(await workerLines('CANCELLED'))]);

    await expect(awaitConfirmation(new WorkerLogEvidence(log, 100, 20), booking)).rejects.toThrow(
      `no confirmation email of appointment ${booking.appointmentId} in the notification worker's log (${LOG_GROUP}) within 0.1 s: the worker's ERROR lines about the appointment say why`,
    );
    expect(asked.length).toBeGreaterThan(1);
  });

  it('given nothing is ever logged about the appointment, when the check waits, then it fails once its wait is over (ten minutes by default, what AWS documents for Lambda logs)', async () => {
    await expect(awaitConfirmation(new WorkerLogEvidence(logGroupWith([]).log, 50, 10), booking)).rejects.toThrow(/within 0\.05 s: /);
    expect(new WorkerLogEvidence(logGroupWith([]).log).waitMs).toBe(WORKER_LOG_WAIT_MS);
    expect(WORKER_LOG_WAIT_MS).toBe(10 * 60_000);
  });

  it("given the worker found no verified address and said so, when the check looks, then it fails at once with the worker's words instead of waiting", async () => {
    const { log, asked } = logGroupWith(await workerLines('COMPLETED', { hasVerifiedAddress: false }));

    await expect(awaitConfirmation(new WorkerLogEvidence(log, 60_000, 10), booking)).rejects.toThrow(
      `the notification worker sent no confirmation of appointment ${booking.appointmentId}: "Insured person ${deploymentChecks.insuredId} has no account with a verified email address; no email sent"`,
    );
    expect(asked).toHaveLength(1);
  });
});

/** The email the notification worker sends about a COMPLETED change, as the local SES would list it. */
async function emailTheWorkerSends(change: AppointmentStatusChanged): Promise<SentEmail> {
  let sent: OutgoingEmail | undefined;
  await emailStatusChange(change, {
    addressBook: { verifiedAddressOf: (insuredId) => Promise.resolve(localInsuredAddress(insuredId)) },
    mailer: {
      send: (email) => {
        sent = email;
        return Promise.resolve('ses-1');
      },
    },
    logger: { info: () => undefined, warn: () => undefined, error: () => undefined },
    metrics: { emailSent: () => undefined, emailSkipped: () => undefined },
  });
  if (!sent) throw new Error('the worker sent nothing');
  const destination = { to: [sent.to], cc: [], bcc: [] };
  return {
    messageId: `local-${change.appointmentId}`,
    from: 'citas@appointments.test',
    destination,
    subject: sent.subject,
    body: sent,
    at: 0,
  };
}

/** A local SES outbox (`GET /store`, as aws-ses-v2-local answers it) holding `emails`; its URL. */
async function outboxHolding(emails: readonly SentEmail[]): Promise<{ url: string; close: () => Promise<void> }> {
  const server = createServer((request, response) => {
    response.writeHead(request.url === '/store' ? 200 : 404, { 'content-type': 'application/json' });
    response.end(JSON.stringify({ emails }));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}`, close: () => new Promise((resolve) => server.close(() => resolve())) };
}

describe('the confirmation the local check looks for', () => {
  it('given the check booking, when its subject is worked out, then it is the Spanish one the worker renders, naming the slot and the appointment', () => {
    expect(confirmationSubjectOf(booking)).toBe(`Cita confirmada: espacio N.º ${booking.scheduleId} (código ${booking.appointmentId})`);
  });

  it("given the outbox holds the check's confirmation (its slot in no catalog, so none in the event) beside a real booking's, which says when and where, when the local check reads it, then it finds the check's alone", async () => {
    // given
    const announced = { correlationId: 'c-1', status: 'COMPLETED', rejectionReason: null, updatedAt: '2026-11-29T12:00:03.000Z' } as const;
    const checks = await emailTheWorkerSends({ ...booking, ...announced, slot: null });
    // To the same address, so that only the subject and the code tell the two apart.
    const realBooking = await emailTheWorkerSends({
      ...announced,
      appointmentId: '01JBQ6Z1Y8M3V4K5N6P7Q8R9SV',
      insuredId: deploymentChecks.insuredId,
      scheduleId: 4_101,
      countryISO: 'PE',
      slot: {
        scheduleId: 4_101,
        countryISO: 'PE',
        startsAt: '2026-12-15T10:30:00-05:00',
        endsAt: '2026-12-15T11:00:00-05:00',
        centre: { centreId: 'pe-clinica-miraflores', name: 'Clínica Miraflores', timeZone: 'America/Lima', district: 'Miraflores' },
        specialty: { specialtyId: 'cardiologia', name: 'Cardiología' },
        doctor: { doctorId: 'pe-dra-diaz', name: 'Dra. Milagros Díaz Zapata' },
      },
    });
    const outbox = await outboxHolding([realBooking, checks]);

    try {
      // when
      const found = await new LocalOutboxEvidence(outbox.url, 1_000).confirmationsOf(booking);

      // then
      expect(realBooking.subject).toBe('Cita confirmada: Cardiología, martes 15 de diciembre de 2026, 10:30');
      expect(found).toEqual([
        `the local SES accepted "${confirmationSubjectOf(booking)}" to ${localInsuredAddress(booking.insuredId)} (message id local-${booking.appointmentId})`,
      ]);
    } finally {
      await outbox.close();
    }
  });
});
