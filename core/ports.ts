import type { LoggerInterface } from '@aws-lambda-powertools/logger/types';
import type { Appointment, CountryISO } from './appointment';
import type { AppointmentStatusChange } from './graphql/types.generated';
import type { AppointmentRequested, AppointmentScheduled } from './messages';

/** The appointments as clients see them (DynamoDB in AWS and locally). */
export interface AppointmentRepository {
  /** Stores a new appointment; fails if the id already exists. */
  create(appointment: Appointment): Promise<void>;
  /** Newest first; `cursor` is the opaque position returned by the previous page. */
  listByInsured(insuredId: string, page: { limit: number; cursor?: string }): Promise<{ items: Appointment[]; cursor?: string }>;
  /** Moves a PENDING appointment to COMPLETED; a second completion is a no-op. Either way, the appointment as stored. */
  markCompleted(key: AppointmentKey, now: Date): Promise<Completion>;
  /** Removes an appointment that never reached the pipeline, if it is still PENDING. */
  discardPending(key: AppointmentKey): Promise<void>;
}

export interface Completion {
  readonly outcome: 'completed' | 'already-completed';
  readonly appointment: Appointment;
}

export interface AppointmentKey {
  readonly insuredId: string;
  readonly appointmentId: string;
}

/** Hands a new appointment to the country pipeline (SNS in AWS). */
export interface AppointmentRequestPublisher {
  publish(request: AppointmentRequested): Promise<void>;
}

/** A country's own record of scheduled appointments (MySQL, one schema per country). */
export interface CountryAppointmentStore {
  readonly countryISO: CountryISO;
  /** Idempotent by appointmentId: saving the same appointment twice keeps one row. */
  save(request: AppointmentRequested): Promise<void>;
}

/** Announces that a country has scheduled an appointment (EventBridge in AWS). */
export interface ScheduledEventPublisher {
  publish(event: AppointmentScheduled): Promise<void>;
}

/**
 * Announces a stored status change to subscribed clients (AppSync's internal
 * mutation, signed with SigV4). Called only after the change is stored, and again
 * on every redelivery: subscribers hear each change at least once.
 */
export interface StatusChangePublisher {
  publish(change: AppointmentStatusChange): Promise<void>;
}

/** The part of Powertools' Logger the use cases rely on: message, then keys merged into the JSON line. */
export type StructuredLogger = Pick<LoggerInterface, 'info' | 'warn' | 'error'>;
