import { setTimeout as sleep } from 'node:timers/promises';
import { performance } from 'node:perf_hooks';
import { statusEmail } from '../../core/email/status-emails';
import type { CountryISO } from '../../core/graphql/types.generated';
import { localInsuredAddress } from '../identity/user-pool-accounts';
import type { SentEmail } from '../ses/local-ses';

/** The check's booking, as its confirmation email and the worker's log line name it. */
export interface CheckBooking {
  readonly appointmentId: string;
  readonly insuredId: string;
  readonly scheduleId: number;
  readonly countryISO: CountryISO;
  /** When the booking was sent: no proof of its email can be older. */
  readonly bookedAt: Date;
}

/**
 * The "email evidence" port of `npm run smoke`: where it reads that SES accepted the check booking's
 * confirmation email. Locally the local SES's outbox, in AWS the notification worker's log; the step
 * asks again every `pollEveryMs` until something is found or `waitMs` has passed.
 */
export interface SentEmailEvidence {
  /** Where it looks, for the report. */
  readonly description: string;
  /** How late the proof may arrive where it is read. */
  readonly waitMs: number;
  readonly pollEveryMs: number;
  /** Where to look next when nothing came, for the report. */
  readonly whenMissing?: string;
  /** What is found so far: one line per confirmation email accepted for this booking, for the report. Throws when it can tell none will come. */
  confirmationsOf(booking: CheckBooking): Promise<readonly string[]>;
}

/** Why the email cannot be proven on this target, and how to make it provable. */
export interface EmailNotProven {
  readonly skipped: string;
}

export type EmailEvidence = SentEmailEvidence | EmailNotProven;

/** Waits for the proof; answers what to print, or throws naming where it looked and for how long. */
export async function awaitConfirmation(evidence: SentEmailEvidence, booking: CheckBooking): Promise<string> {
  const started = performance.now();
  for (;;) {
    const found = await evidence.confirmationsOf(booking);
    if (found.length > 0) return found.join('; ');
    if (performance.now() - started >= evidence.waitMs) {
      const next = evidence.whenMissing ? `: ${evidence.whenMissing}` : '';
      throw new Error(
        `no confirmation email of appointment ${booking.appointmentId} in ${evidence.description} within ${evidence.waitMs / 1000} s${next}`,
      );
    }
    await sleep(evidence.pollEveryMs);
  }
}

/** The subject the notification worker gives this booking's confirmation (core/email/status-emails.ts): Spanish, naming the slot and the appointment. */
export function confirmationSubjectOf(booking: CheckBooking): string {
  const { appointmentId, insuredId, scheduleId, countryISO, bookedAt } = booking;
  // The subject depends on the status, the slot and the appointment only; the other fields fill the type.
  return statusEmail({
    appointmentId,
    insuredId,
    scheduleId,
    countryISO,
    correlationId: 'smoke',
    status: 'COMPLETED',
    rejectionReason: null,
    updatedAt: bookedAt.toISOString(),
    // Check slots are in no catalog, so a check's appointment has no slot (core/use-cases/create-appointment.ts) and its
    // email keeps the wording that names the slot's number and the appointment's code.
    slot: null,
  }).subject;
}

/** An email takes the local pipeline a second or two; a loaded test machine more. */
const LOCAL_WAIT_MS = 30_000;
const LOCAL_POLL_MS = 250;

/**
 * The local SES's outbox (`GET <url>/store`, aws-ses-v2-local): a confirmation counts when it went to the
 * insured person's local address (every local account has one: insured-<id>@appointments.test), with the
 * Spanish subject the worker renders for this booking, and its text names the appointment.
 */
export class LocalOutboxEvidence implements SentEmailEvidence {
  readonly pollEveryMs = LOCAL_POLL_MS;

  constructor(
    private readonly sesUrl: string,
    readonly waitMs = LOCAL_WAIT_MS,
  ) {}

  get description(): string {
    return `the local SES's outbox (${this.sesUrl})`;
  }

  async confirmationsOf(booking: CheckBooking): Promise<readonly string[]> {
    const to = localInsuredAddress(booking.insuredId);
    const subject = confirmationSubjectOf(booking);
    const confirmations = (await this.sentEmails()).filter(
      (email) => email.destination.to.includes(to) && email.subject === subject && (email.body.text ?? '').includes(booking.appointmentId),
    );
    return confirmations.map((email) => `the local SES accepted "${email.subject}" to ${to} (message id ${email.messageId})`);
  }

  private async sentEmails(): Promise<readonly SentEmail[]> {
    const response = await fetch(`${this.sesUrl}/store`);
    if (!response.ok) throw new Error(`the local SES's outbox answered HTTP ${response.status}`);
    return ((await response.json()) as { emails: SentEmail[] }).emails;
  }
}

/** A line of a CloudWatch Logs log group, as FilterLogEvents answers it. */
export interface LogLine {
  readonly message: string;
  /** Milliseconds since the epoch. */
  readonly timestamp: number;
}

/**
 * The "worker log" port: the notification worker's log group in CloudWatch Logs. Its AWS adapter is one
 * FilterLogEvents call per poll on that group, with `filterPattern` the quoted appointment id (a term
 * match, whatever the line's format) and `startTime` = `since`, following `nextToken` to the end (AWS
 * says a page may be empty while more follow); it needs logs:FilterLogEvents on the group.
 */
export interface NotificationWorkerLog {
  readonly logGroupName: string;
  linesMentioning(term: string, since: Date): Promise<readonly LogLine[]>;
}

/**
 * How late a line may show up in CloudWatch Logs. AWS documents no minute-or-two bound for a Lambda
 * function's logs, nor for the embedded-format metrics CloudWatch extracts from those same logs: "It may
 * take 5 to 10 minutes for logs to show up after a function invocation" (AWS Lambda Developer Guide,
 * "Sending Lambda function logs to CloudWatch Logs",
 * https://docs.aws.amazon.com/lambda/latest/dg/monitoring-cloudwatchlogs.html). Usually it takes seconds;
 * the step stops at the first line found.
 */
export const WORKER_LOG_WAIT_MS = 10 * 60_000;
/** FilterLogEvents has a low per-account request quota that the operator shares with everything else. */
export const WORKER_LOG_POLL_MS = 10_000;
/** The operator's clock and CloudWatch's may disagree a little: look a minute before the booking. */
const CLOCK_SKEW_MS = 60_000;

/**
 * The notification worker's log (workers/notification-worker.ts, core/use-cases/email-status-change.ts):
 * for each email SES accepted it logs one JSON line with the appointment id, the status and SES's message
 * id. Neither the log nor the EmailsSent metric (per country, not per appointment) names the address or
 * the subject; the Spanish wording is the same code locally and in AWS, checked by the local run.
 */
export class WorkerLogEvidence implements SentEmailEvidence {
  readonly whenMissing =
    "the worker's ERROR lines about the appointment say why a send failed (in the SES sandbox the address must be a verified identity); failed sends are retried, then wait in the email DLQ";

  constructor(
    private readonly log: NotificationWorkerLog,
    readonly waitMs = WORKER_LOG_WAIT_MS,
    readonly pollEveryMs = WORKER_LOG_POLL_MS,
  ) {}

  get description(): string {
    return `the notification worker's log (${this.log.logGroupName})`;
  }

  async confirmationsOf(booking: CheckBooking): Promise<readonly string[]> {
    const lines = await this.log.linesMentioning(booking.appointmentId, new Date(booking.bookedAt.getTime() - CLOCK_SKEW_MS));
    const confirmations = lines.flatMap((line) => {
      const logged = loggedConfirmation(line, booking.appointmentId);
      return logged ? [logged] : [];
    });
    const sent = confirmations.filter((logged) => logged.outcome === 'sent');
    const skipped = confirmations.find((logged) => logged.outcome === 'skipped');
    if (sent.length === 0 && skipped) {
      // The worker decided, and said why: waiting longer would find nothing else.
      throw new Error(`the notification worker sent no confirmation of appointment ${booking.appointmentId}: "${skipped.message}"`);
    }
    return sent.map(
      (logged) =>
        `SES accepted it (message id ${logged.messageId}), as the notification worker logged at ${new Date(logged.timestamp).toISOString()}`,
    );
  }
}

interface LoggedConfirmation {
  /** `sent`: SES accepted it (INFO, with SES's message id); `skipped`: the worker found no address (WARN). A failed try (ERROR) is retried, so it is neither. */
  readonly outcome: 'sent' | 'skipped';
  readonly message: string;
  readonly timestamp: number;
  readonly messageId?: string;
}

/** The worker's line about this appointment's COMPLETED change, if the line is one (Powertools logs a JSON object, maybe after a prefix). */
function loggedConfirmation(line: LogLine, appointmentId: string): LoggedConfirmation | undefined {
  const start = line.message.indexOf('{');
  if (start < 0) return undefined;
  let fields: Record<string, unknown>;
  try {
    fields = JSON.parse(line.message.slice(start)) as Record<string, unknown>;
  } catch {
    return undefined;
  }
  if (fields.appointmentId !== appointmentId || fields.status !== 'COMPLETED') return undefined;
  const message = typeof fields.message === 'string' ? fields.message : line.message;
  if (fields.level === 'INFO' && typeof fields.messageId === 'string')
    return { outcome: 'sent', message, timestamp: line.timestamp, messageId: fields.messageId };
  if (fields.level === 'WARN') return { outcome: 'skipped', message, timestamp: line.timestamp };
  return undefined;
}
