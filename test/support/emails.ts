import { localInsuredAddress } from '../../local/identity/user-pool-accounts';
import type { SentEmail } from '../../local/ses/local-ses';
import type { LocalStack } from '../../local/stack';
import { pollUntil } from '../e2e/client';

/** How long an email may take after its status change is stored, on a busy test machine. */
export const EMAILED_WITHIN_MS = 20_000;

const APPOINTMENT_CODE_IN_TEXT = /^Código de cita: ([0-9A-HJKMNP-TV-Z]{26})$/m;

/**
 * The appointment an email is about: every email names its code in the text part ("Código de cita: …"); a subject
 * that says when and where has no room for it (core/email/status-emails.ts).
 */
export function appointmentIdOf(email: SentEmail): string | undefined {
  return APPOINTMENT_CODE_IN_TEXT.exec(email.body.text ?? '')?.[1];
}

/** The emails the local SES sent about one appointment, oldest first. */
export async function emailsAbout(stack: LocalStack, appointmentId: string): Promise<SentEmail[]> {
  return (await stack.sentEmails()).filter((email) => appointmentIdOf(email) === appointmentId);
}

/** Waits until `count` emails about the appointment were sent (or the deadline passed); answers what was sent. */
export function emailsAboutOnceSent(
  stack: LocalStack,
  appointmentId: string,
  count = 1,
  deadlineMs = EMAILED_WITHIN_MS,
): Promise<SentEmail[]> {
  return pollUntil(
    () => emailsAbout(stack, appointmentId),
    (emails) => emails.length >= count,
    deadlineMs,
  );
}

/** The insured person's own local inbox: every email the stack sent to their account's address. */
export async function inboxOf(stack: LocalStack, insuredId: string): Promise<SentEmail[]> {
  const address = localInsuredAddress(insuredId);
  return (await stack.sentEmails()).filter((email) => email.destination.to.includes(address));
}

/** What a person reads: the subject and the plain-text part. */
export function readable(email: SentEmail): string {
  return `${email.subject}\n${email.body.text ?? ''}`;
}

/** For each appointment the local SES sent email about: the subjects sent, in order (a status twice is an email sent twice). */
export async function subjectsByAppointment(stack: LocalStack): Promise<Map<string, string[]>> {
  const subjects = new Map<string, string[]>();
  for (const email of await stack.sentEmails()) {
    const appointmentId = appointmentIdOf(email);
    if (!appointmentId) throw new Error(`An email names no appointment: ${email.subject}`);
    subjects.set(appointmentId, [...(subjects.get(appointmentId) ?? []), email.subject]);
  }
  return subjects;
}
