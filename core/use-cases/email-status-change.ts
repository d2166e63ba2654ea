import { reminderEmail, statusEmail } from '../email/status-emails';
import type { InsuredEmailEvent } from '../messages/status-change-event';
import type { EmailSkipReason, NotificationMetrics } from '../observability/metrics';
import type { EmailSender, InsuredAddressBook, StructuredLogger } from '../ports';

export interface EmailStatusChangePorts {
  readonly addressBook: InsuredAddressBook;
  readonly mailer: EmailSender;
  readonly logger: StructuredLogger;
  readonly metrics: NotificationMetrics;
}

/** What became of one status change's email; kept as the idempotency record's result. */
export type EmailOutcome = { readonly sent: true; readonly messageId: string } | { readonly sent: false; readonly reason: EmailSkipReason };

/**
 * The notification worker's step: tells the insured person, at their own account's verified address,
 * what their appointment became, or reminds them of it, in their country's Spanish. Whoever booked, the email goes to the
 * account holding the insuredId. Without a verified address there is nobody to write to: that is
 * logged and counted, and not an error (a retry would find the same).
 */
export async function emailStatusChange(change: InsuredEmailEvent, ports: EmailStatusChangePorts): Promise<EmailOutcome> {
  const { addressBook, mailer, logger, metrics } = ports;
  const logKeys = {
    appointmentId: change.appointmentId,
    correlationId: change.correlationId,
    ...('reminder' in change ? { reminder: true } : { status: change.status }),
    countryISO: change.countryISO,
  };
  const to = await addressBook.verifiedAddressOf(change.insuredId);
  if (!to) {
    logger.warn(`Insured person ${change.insuredId} has no account with a verified email address; no email sent`, logKeys);
    const reason: EmailSkipReason = 'NO_VERIFIED_ADDRESS';
    metrics.emailSkipped(change.countryISO, reason);
    return { sent: false, reason };
  }
  const messageId = await mailer.send({ to, ...('reminder' in change ? reminderEmail(change) : statusEmail(change)) });
  // The address stays out of the logs: the message id finds the email in SES.
  logger.info('reminder' in change ? 'Reminder email sent' : `Email about the ${change.status} appointment sent`, {
    ...logKeys,
    messageId,
  });
  metrics.emailSent(change.countryISO);
  return { sent: true, messageId };
}
