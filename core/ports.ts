import type { LoggerInterface } from '@aws-lambda-powertools/logger/types';
import type { Appointment, AppointmentStatus, CountryISO, RejectionReason } from './domain/appointment';
import type { AppointmentStatusChange } from './graphql/types.generated';
import type {
  AppointmentCancellationRequested,
  AppointmentRequested,
  AppointmentStatusChanged,
  CountryMessage,
  CountryOutcome,
  CountrySlotStatus,
} from './messages/appointment-messages';

/** The appointments as clients see them (DynamoDB in AWS and locally). */
export interface AppointmentRepository {
  /** Stores a new appointment; fails if the id already exists. */
  create(appointment: Appointment): Promise<void>;
  /** The appointment as stored now (a strongly consistent read), or undefined. */
  get(key: AppointmentKey): Promise<Appointment | undefined>;
  /**
   * Makes `appointment` the insured person's booking of its slot, if no booking holds the claim,
   * or if the claim's holder is `replacing`. Otherwise answers who holds it.
   */
  claimSlot(appointment: Appointment, replacing?: string): Promise<SlotClaim>;
  /** Drops the slot claim if `appointment` holds it (its booking never reached the pipeline). */
  releaseSlotClaim(appointment: Appointment): Promise<void>;
  /** Newest first; `cursor` is the opaque position returned by the previous page. */
  listByInsured(insuredId: string, page: { limit: number; cursor?: string }): Promise<{ items: Appointment[]; cursor?: string }>;
  /**
   * Moves the appointment to `target` if the lifecycle allows it from its stored status.
   * Either way, answers with the appointment as stored.
   */
  changeStatus(key: AppointmentKey, change: StatusChangeRequest): Promise<StatusChangeResult>;
  /** Removes an appointment that never reached the pipeline, if it is still PENDING. */
  discardPending(key: AppointmentKey): Promise<void>;
}

export interface StatusChangeRequest {
  readonly target: AppointmentStatus;
  readonly at: Date;
  readonly rejectionReason?: RejectionReason;
}

/** `changed`: moved now; `unchanged`: it already had that status; `refused`: the lifecycle forbids it. */
export interface StatusChangeResult {
  readonly outcome: 'changed' | 'unchanged' | 'refused';
  readonly appointment: Appointment;
}

/** Who holds an insured person's claim on a slot: `appointmentId` is the holder. */
export interface SlotClaim {
  readonly claimed: boolean;
  readonly holder: string | undefined;
}

export interface AppointmentKey {
  readonly insuredId: string;
  readonly appointmentId: string;
}

/** Hands bookings and cancellations to the country pipeline (SNS in AWS). */
export interface CountryMessagePublisher {
  publish(message: CountryMessage): Promise<void>;
}

/**
 * A country's own record of its slots (MySQL, one schema per country): the authority on who
 * holds a slot. Both operations are idempotent by appointmentId and answer with the row's status.
 */
export interface CountryAppointmentStore {
  readonly countryISO: CountryISO;
  /** Gives the appointment its slot unless another active booking holds it (then REJECTED). A decision, once made, stands. */
  book(request: AppointmentRequested): Promise<CountrySlotStatus>;
  /** Marks the appointment CANCELLED, freeing its slot; if its booking has not arrived yet, the booking will find it cancelled. */
  cancel(cancellation: AppointmentCancellationRequested): Promise<CountrySlotStatus>;
}

/** Announces a country's decisions (EventBridge in AWS). */
export interface CountryOutcomePublisher {
  publish(outcome: CountryOutcome): Promise<void>;
}

/**
 * Announces a stored status change to subscribed clients (AppSync's internal
 * mutation, signed with SigV4). Called only after the change is stored, and again
 * on every redelivery: subscribers hear each change at least once.
 */
export interface StatusChangeSubscribers {
  publish(change: AppointmentStatusChange): Promise<void>;
}

/**
 * Announces a stored status change on the event bus (AppointmentStatusChanged) for whoever follows
 * what appointments become: the insured person's email today. Called after the change is stored,
 * again on every redelivery.
 */
export interface StatusChangeBus {
  announce(change: AppointmentStatusChanged): Promise<void>;
}

/** Where an insured person is written to: their own account's address, if it is verified. */
export interface InsuredAddressBook {
  /** The verified email address of the account holding this insuredId, or undefined when there is none. */
  verifiedAddressOf(insuredId: string): Promise<string | undefined>;
}

/** One email, in both parts, ready to send. */
export interface OutgoingEmail {
  readonly to: string;
  readonly subject: string;
  readonly text: string;
  readonly html: string;
}

/** Sends email from the deployment's sender identity (SES v2 in AWS, a local SES endpoint under npm start). */
export interface EmailSender {
  /** Resolves once the email service has accepted the email; its message id. */
  send(email: OutgoingEmail): Promise<string>;
}

/** The part of Powertools' Logger the use cases rely on: message, then keys merged into the JSON line. */
export type StructuredLogger = Pick<LoggerInterface, 'info' | 'warn' | 'error'>;
