import type { LoggerInterface } from '@aws-lambda-powertools/logger/types';
import type { Appointment, AppointmentStatus, CountryISO, RejectionReason } from './domain/appointment';
import type { AppointmentStatusChange, PendingReschedule, RescheduleResult, SlotAvailabilityChange } from './graphql/types.generated';
import type {
  AppointmentCancellationRequested,
  AppointmentRequested,
  AppointmentReminderDue,
  AppointmentRescheduleRequested,
  AppointmentStatusChanged,
  CountryMoveResult,
  CountryOutcome,
  CountryRow,
} from './messages/appointment-messages';
import type { CountryQueueMessage, SlotAvailabilityChanged } from './messages/slot-messages';
import type { CatalogCentre, CatalogDoctor, CatalogSpecialty, SlotPublication, SlotSnapshot } from './domain/slots';

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
  /**
   * Removes an appointment that never reached the pipeline, if it is still PENDING and no other request answered
   * with it. True when it was removed (or was gone already); false when it is kept.
   */
  discardPending(key: AppointmentKey): Promise<boolean>;
  /**
   * Records that a request other than the one that made it answered with this appointment, so that it is never
   * discarded under the client that was told of it. False when it is gone (discarded: its claim is stale).
   */
  keepAnswered(key: AppointmentKey): Promise<boolean>;
  /**
   * Records `move` as the appointment's pending reschedule, if it holds its slot, still at `fromScheduleId`, and no
   * other move is pending. Either way, answers with the appointment as stored.
   */
  requestMove(key: AppointmentKey, move: PendingReschedule, fromScheduleId: number): Promise<MoveRequestResult>;
  /**
   * Applies its country's decision on the pending move `settlement.moveId`: MOVED gives the appointment the new slot
   * (COMPLETED, the old slot kept in movedFrom), REFUSED keeps it where it is; either way the move is no longer pending.
   * `unchanged`: this move was settled already (a redelivery); `stale`: it is not this appointment's move any more.
   */
  settleMove(key: AppointmentKey, settlement: MoveSettlement): Promise<MoveSettlementResult>;
}

export interface MoveRequestResult {
  readonly requested: boolean;
  readonly appointment: Appointment;
}

export interface MoveSettlement {
  readonly moveId: string;
  readonly outcome: 'MOVED' | 'REFUSED';
  readonly at: Date;
  readonly refusalReason?: RejectionReason;
}

export type MoveSettlementResult =
  | { readonly outcome: 'changed' | 'unchanged'; readonly appointment: Appointment; readonly result: RescheduleResult }
  | { readonly outcome: 'stale'; readonly appointment: Appointment };

export interface StatusChangeRequest {
  readonly target: AppointmentStatus;
  readonly at: Date;
  readonly rejectionReason?: RejectionReason;
  /** Only if the appointment names this slot: a country's decision on a slot it moved away from changes nothing. */
  readonly scheduleId?: number;
}

/**
 * `changed`: moved now; `unchanged`: it already had that status; `refused`: the lifecycle forbids it;
 * `elsewhere`: the appointment names another slot than `scheduleId`.
 */
export interface StatusChangeResult {
  readonly outcome: 'changed' | 'unchanged' | 'refused' | 'elsewhere';
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

/** Hands bookings, cancellations and catalog changes to the country pipeline (SNS in AWS). */
export interface CountryMessagePublisher {
  publish(message: CountryQueueMessage): Promise<void>;
}

/**
 * A country's own record of its slots (MySQL, one schema per country): the authority on who
 * holds a slot. Both operations are idempotent by appointmentId and answer with the row's status.
 */
export interface CountryAppointmentStore {
  readonly countryISO: CountryISO;
  /** Gives the appointment its slot unless another active booking holds it (then REJECTED). A decision, once made, stands. */
  book(request: AppointmentRequested): Promise<CountryDecision>;
  /**
   * Marks the appointment CANCELLED, freeing the slot its row holds (a moved row, its new one); if its booking has
   * not arrived yet, the booking will find it cancelled.
   */
  cancel(cancellation: AppointmentCancellationRequested): Promise<CountryDecision>;
  /** Moves the appointment to another slot if that slot is free, taking it and freeing the old one at once (CountryMoveResult). */
  move(request: AppointmentRescheduleRequested): Promise<CountryMoveResult>;
}

/**
 * A booking's or a cancellation's row as the country now holds it, and the catalog slots it touched (the one the
 * message names and the one the row holds, when they differ), each with its version bumped after the change, as
 * CountrySlotCatalog.touch does: on every delivery, a redelivery too. A slot the catalog lacks has no snapshot.
 */
export interface CountryDecision {
  readonly row: CountryRow;
  readonly slots: readonly SlotSnapshot[];
}

/**
 * A country's slot catalog in its own database (MySQL, beside its appointments): the authority on which
 * slots exist and whether each is free. Every change makes the slot's `version` grow by one.
 */
export interface CountrySlotCatalog {
  readonly countryISO: CountryISO;
  /**
   * Stores the publication's centre, specialty and doctor (their names and attributes updated) and each of its
   * slots that does not exist yet (a doctor is at one place at a time: one slot per doctor and start). Answers
   * every slot of the publication as stored now, new or not: publishing the same sessions again changes nothing.
   */
  publish(publication: SlotPublication): Promise<SlotSnapshot[]>;
  /**
   * Takes a slot out of the catalog unless an active booking holds it (`held`, unchanged); withdrawing it
   * again answers `withdrawn` with the same snapshot. `unknown`: the catalog has no such slot.
   */
  withdraw(scheduleId: number): Promise<SlotWithdrawalOutcome>;
  /**
   * After a move to or from `scheduleId` has been applied: the slot's version grows by one and its snapshot as
   * stored now is answered. Undefined for a scheduleId the catalog lacks (booked before it). A booking or a
   * cancellation bumps its slots itself (CountryDecision).
   */
  touch(scheduleId: number): Promise<SlotSnapshot | undefined>;
  /** The slot as stored now, or undefined. */
  slot(scheduleId: number): Promise<SlotSnapshot | undefined>;
}

export type SlotWithdrawalOutcome =
  { readonly outcome: 'withdrawn' | 'held'; readonly slot: SlotSnapshot } | { readonly outcome: 'unknown'; readonly slot?: undefined };

/** Which free slots an app browses: a country's, in [from, to), optionally of one specialty, centre and/or doctor. */
export interface FreeSlotQuery {
  readonly countryISO: CountryISO;
  readonly from: Date;
  readonly to: Date;
  readonly specialtyId?: string;
  readonly centreId?: string;
  readonly doctorId?: string;
}

/** A country's catalog as an app's pickers show it. */
export interface CountryCatalog {
  readonly centres: readonly CatalogCentre[];
  readonly specialties: readonly CatalogSpecialty[];
  readonly doctors: readonly CatalogDoctor[];
}

/**
 * The slots as the API reads them (DynamoDB): kept current by the pipeline from the countries' own
 * snapshots, the newest version of each slot winning whatever order they arrive in.
 */
export interface SlotReadModel {
  /**
   * Keeps `slot` unless the model already holds this very version (`unchanged`: a redelivery) or a newer one
   * (`stale`); records its centre, specialty and doctor in the catalog.
   */
  apply(slot: SlotSnapshot): Promise<'applied' | 'unchanged' | 'stale'>;
  /** The slot as the model holds it (a strongly consistent read), or undefined. */
  get(countryISO: CountryISO, scheduleId: number): Promise<SlotSnapshot | undefined>;
  /** FREE slots only, soonest first; one Query per page; `cursor` is the opaque position the previous page returned. */
  freeSlots(query: FreeSlotQuery, page: { limit: number; cursor?: string }): Promise<{ items: SlotSnapshot[]; cursor?: string }>;
  catalog(countryISO: CountryISO): Promise<CountryCatalog>;
}

/** Announces a slot's state after each change in its country's database (EventBridge in AWS). */
export interface SlotAvailabilityBus {
  announce(change: SlotAvailabilityChanged): Promise<void>;
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
 * Announces a slot's new availability to subscribed clients (AppSync's internal mutation, signed with SigV4), once
 * the read model holds it: an open availability view hears a slot taken or freed as it happens.
 */
export interface SlotAvailabilitySubscribers {
  publish(change: SlotAvailabilityChange): Promise<void>;
}

/**
 * Announces a stored status change on the event bus (AppointmentStatusChanged) for whoever follows
 * what appointments become: the insured person's email today. Called after the change is stored,
 * again on every redelivery.
 */
export interface StatusChangeBus {
  announce(change: AppointmentStatusChanged): Promise<void>;
}

/** An appointment's reminder: when it fires, on whose clock, and the start it reminds of. */
export interface DueReminder {
  readonly appointmentId: string;
  readonly insuredId: string;
  readonly at: Date;
  readonly timeZone: string;
  readonly remindsOf: string;
  readonly correlationId: string;
}

/** One reminder per appointment (EventBridge Scheduler one-time schedules in AWS; the local stand-in under npm start). */
export interface AppointmentReminders {
  /** Schedules the appointment's one reminder, replacing the one it had (moved). */
  schedule(reminder: DueReminder): Promise<void>;
  /** Removes the appointment's reminder, if it has one. */
  remove(appointmentId: string): Promise<void>;
}

/** Announces a reminder come due on the event bus (AppointmentReminderDue), for the email route. */
export interface ReminderBus {
  announce(due: AppointmentReminderDue): Promise<void>;
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
