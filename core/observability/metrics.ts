import type { Appointment, CountryISO } from '../domain/appointment';

/**
 * What the pipeline measures, declared once: the functions emit these names (Powertools
 * Metrics, CloudWatch's embedded metric format, so no extra API calls), and the stack's
 * alarms and dashboard read the same names, namespace and dimensions.
 */
export const metricsNamespace = 'MedicalAppointments';

/**
 * Every function emits under this one service name: Powertools adds it as a `service`
 * dimension to each metric, and an alarm must name every dimension of the metric it watches.
 */
export const metricsServiceName = 'appointments';

export const metricNames = {
  /** A booking stored PENDING and handed to its country (a retry answered with the earlier booking is not one). */
  bookingsAccepted: 'BookingsAccepted',
  /** A createAppointment that failed, by `errorType` (ValidationError, Unauthorized, SchedulingUnavailableError, …). */
  bookingsRefused: 'BookingsRefused',
  appointmentsCompleted: 'AppointmentsCompleted',
  /** By `reason` (SLOT_TAKEN). */
  appointmentsRejected: 'AppointmentsRejected',
  appointmentsCancelled: 'AppointmentsCancelled',
  /** Milliseconds from the booking (createdAt) to its stored decision (updatedAt): what an insured person waits. */
  decisionTime: 'DecisionTime',
  /** A stored status change pushed to the subscribers (again on a redelivery). */
  statusChangesPublished: 'StatusChangesPublished',
  /** An insured person's email about a stored status change, accepted by SES (once per appointment and status). */
  emailsSent: 'EmailsSent',
  /** A status change nobody could be emailed about, by `reason` (the account has no verified address). */
  emailsSkipped: 'EmailsSkipped',
  /** What one scheduled reconciliation found, by `finding` kind; zero when it found none of that kind. */
  reconciliationFindings: 'ReconciliationFindings',
} as const;

export const metricDimensions = {
  countryISO: 'countryISO',
  errorType: 'errorType',
  reason: 'reason',
  finding: 'finding',
} as const;

/** The measurements the use cases take; an adapter turns each into a metric. */
export interface PipelineMetrics {
  bookingAccepted(countryISO: CountryISO): void;
  bookingRefused(errorType: string): void;
  /** An appointment whose status change was stored just now (COMPLETED, REJECTED or CANCELLED). */
  statusStored(appointment: Appointment): void;
  statusChangePublished(countryISO: CountryISO): void;
}

/** What a reconciliation reports: how many findings of each kind it made. */
export interface ReconciliationMetrics {
  reconciliationFindings(kind: string, count: number): void;
}

/** Why an email was not sent: the insured person has no account, or its address is not verified. */
export type EmailSkipReason = 'NO_VERIFIED_ADDRESS';

/** What the notification worker measures. */
export interface NotificationMetrics {
  emailSent(countryISO: CountryISO): void;
  emailSkipped(countryISO: CountryISO, reason: EmailSkipReason): void;
}
