import * as z from 'zod/mini';
import {
  AppointmentStatus,
  appointmentIdSchema,
  countryISOSchema,
  insuredIdSchema,
  RejectionReason,
  scheduleIdSchema,
} from '../domain/appointment';

/** Carried from the mutation through every stage so one request's logs can be found together. */
const correlationIdSchema = z.string().check(z.minLength(1), z.maxLength(128));

const appointmentFields = {
  appointmentId: appointmentIdSchema,
  insuredId: insuredIdSchema,
  scheduleId: scheduleIdSchema,
  countryISO: countryISOSchema,
  correlationId: correlationIdSchema,
};

/**
 * Published on SNS by createAppointment; a country queue's booking message. Messages
 * sent before cancellation existed carry no `type`, and are bookings.
 */
export const appointmentRequestedSchema = z.object({
  type: z._default(z.literal('AppointmentRequested'), 'AppointmentRequested'),
  ...appointmentFields,
  createdAt: z.iso.datetime(),
});
export type AppointmentRequested = z.input<typeof appointmentRequestedSchema>;

/** Published on SNS by cancelAppointment: the country frees the slot, or keeps it from being taken if the booking is still on its way. */
export const appointmentCancellationRequestedSchema = z.object({
  type: z.literal('AppointmentCancellationRequested'),
  ...appointmentFields,
  cancelledAt: z.iso.datetime(),
});
export type AppointmentCancellationRequested = z.infer<typeof appointmentCancellationRequestedSchema>;

/**
 * Published on SNS by rescheduleAppointment: the country moves the appointment from `scheduleId` (the slot it holds)
 * to `toScheduleId` in one statement, if that slot is free; `moveId` (a ULID, so later moves sort later) names the move.
 */
export const appointmentRescheduleRequestedSchema = z.object({
  type: z.literal('AppointmentRescheduleRequested'),
  ...appointmentFields,
  toScheduleId: scheduleIdSchema,
  moveId: appointmentIdSchema,
  requestedAt: z.iso.datetime(),
});
export type AppointmentRescheduleRequested = z.infer<typeof appointmentRescheduleRequestedSchema>;

/** What a country queue carries. */
export const countryMessageSchema = z.union([
  appointmentCancellationRequestedSchema,
  appointmentRescheduleRequestedSchema,
  appointmentRequestedSchema,
]);
export type CountryMessage = AppointmentRequested | AppointmentCancellationRequested | AppointmentRescheduleRequested;

/**
 * A slot's state in a country's database for one appointment. OVERBOOKED marks a row that
 * shared its slot with an earlier one before the database enforced one booking per slot.
 */
export type CountrySlotStatus = 'SCHEDULED' | 'REJECTED' | 'CANCELLED' | 'OVERBOOKED';

/** An appointment's row in its country after a change: its status, and the slot it names (moved, it names the new one). */
export interface CountryRow {
  readonly status: CountrySlotStatus;
  readonly scheduleId: number;
}

/**
 * What a country made of a move: MOVED (the row now holds the new slot; again on a redelivery), REFUSED (the new
 * slot is held or withdrawn, or the move is older than the row's last: nothing changed), or the row is no longer
 * active (cancelled or rejected), when the move has nothing to move and the row's own decision is announced again.
 */
export type CountryMoveResult =
  | { readonly outcome: 'MOVED' | 'REFUSED'; readonly row: CountryRow | undefined }
  | { readonly outcome: 'INACTIVE'; readonly row: CountryRow };

/**
 * What a move came to, from the row as it is after it: at the new slot by this move (MOVED); inactive; or anywhere
 * else, or no row at all (REFUSED). Shared by MySQL and the in-memory stand-in (core/adapters), so both answer alike.
 */
export function moveResultOf(
  row: CountryRow | undefined,
  lastMoveId: string | null,
  move: AppointmentRescheduleRequested,
): CountryMoveResult {
  if (row && row.status !== 'SCHEDULED' && row.status !== 'OVERBOOKED') return { outcome: 'INACTIVE', row };
  const moved = row?.scheduleId === move.toScheduleId && lastMoveId === move.moveId;
  return { outcome: moved ? 'MOVED' : 'REFUSED', row };
}

/** The detail of the AppointmentScheduled event a country worker puts on EventBridge. */
export const appointmentScheduledSchema = z.object({ ...appointmentFields, scheduledAt: z.iso.datetime() });
export type AppointmentScheduled = z.infer<typeof appointmentScheduledSchema>;

/** The detail of AppointmentRejected: the country could not give this appointment its slot. */
export const appointmentRejectedSchema = z.object({
  ...appointmentFields,
  rejectedAt: z.iso.datetime(),
  rejectionReason: z.enum(RejectionReason),
});
export type AppointmentRejected = z.infer<typeof appointmentRejectedSchema>;

/** The detail of AppointmentCancelled: the country has freed the slot (or never gave it). */
export const appointmentCancelledSchema = z.object({ ...appointmentFields, cancelledAt: z.iso.datetime() });
export type AppointmentCancelled = z.infer<typeof appointmentCancelledSchema>;

/** The detail of AppointmentRescheduled: the country moved the appointment to `scheduleId`, freeing `fromScheduleId`. */
export const appointmentRescheduledSchema = z.object({
  ...appointmentFields,
  fromScheduleId: scheduleIdSchema,
  moveId: appointmentIdSchema,
  rescheduledAt: z.iso.datetime(),
});
export type AppointmentRescheduled = z.infer<typeof appointmentRescheduledSchema>;

/** The detail of AppointmentRescheduleRefused: the country kept the appointment where it was; `toScheduleId` was not free. */
export const appointmentRescheduleRefusedSchema = z.object({
  ...appointmentFields,
  toScheduleId: scheduleIdSchema,
  moveId: appointmentIdSchema,
  refusedAt: z.iso.datetime(),
  rejectionReason: z.enum(RejectionReason),
});
export type AppointmentRescheduleRefused = z.infer<typeof appointmentRescheduleRefusedSchema>;

/** A country's decision on one appointment, as the event bus carries it (detail-type and detail). */
export type CountryOutcome =
  | { readonly detailType: 'AppointmentScheduled'; readonly detail: AppointmentScheduled }
  | { readonly detailType: 'AppointmentRejected'; readonly detail: AppointmentRejected }
  | { readonly detailType: 'AppointmentCancelled'; readonly detail: AppointmentCancelled }
  | { readonly detailType: 'AppointmentRescheduled'; readonly detail: AppointmentRescheduled }
  | { readonly detailType: 'AppointmentRescheduleRefused'; readonly detail: AppointmentRescheduleRefused };

/** An appointment's slot as the API answers it (Slot): times in the centre's zone, the centre with its country's attributes. */
function appointmentSlotSchema() {
  return z.object({
    scheduleId: scheduleIdSchema,
    countryISO: countryISOSchema,
    startsAt: z.iso.datetime({ offset: true }),
    endsAt: z.iso.datetime({ offset: true }),
    // Its country's attributes ride beside these (district; commune and region).
    centre: z.looseObject({ centreId: z.string(), name: z.string(), timeZone: z.string() }),
    // Spelled out: a computed key would type both as a string index, losing `name`.
    specialty: z.object({ specialtyId: z.string(), name: z.string() }),
    doctor: z.object({ doctorId: z.string(), name: z.string() }),
  });
}

/**
 * The statuses an appointment settles in after PENDING: each stored one is announced as AppointmentStatusChanged.
 * PENDING only beside a refused move (`reschedule`), when the move overtook its booking and the booking is still on its way.
 */
const settledStatusSchema = z.enum([
  AppointmentStatus.PENDING,
  AppointmentStatus.COMPLETED,
  AppointmentStatus.REJECTED,
  AppointmentStatus.CANCELLED,
]);

/**
 * The detail of AppointmentStatusChanged, which the completion worker puts on the bus for every status
 * it has stored (again on a redelivery): what the appointment became, never a decision the lifecycle dropped.
 * Consumers (the insured person's email, …) hang off this event, not off a country's raw decision.
 */
export const appointmentStatusChangedSchema = z.object({
  ...appointmentFields,
  status: settledStatusSchema,
  rejectionReason: z.nullable(z.enum(RejectionReason)),
  updatedAt: z.iso.datetime(),
  // When and where, as the appointment holds it (Appointment.slot); absent from events put before the catalog.
  slot: z.optional(z.nullable(appointmentSlotSchema())),
  // Set on the change that settles a move (RescheduleResult); absent from every other change.
  reschedule: z.optional(
    z.nullable(
      z.object({
        moveId: appointmentIdSchema,
        outcome: z.enum(['MOVED', 'REFUSED']),
        from: z.nullable(appointmentSlotSchema()),
        fromScheduleId: scheduleIdSchema,
        to: appointmentSlotSchema(),
        refusalReason: z.nullable(z.enum(RejectionReason)),
      }),
    ),
  ),
});
export type AppointmentStatusChanged = z.infer<typeof appointmentStatusChangedSchema>;

/**
 * What a reminder's one-time schedule hands the reminder worker (its Input): the appointment, and the start it
 * reminds of, so a reminder whose appointment moved or was cancelled since is told apart and dropped.
 */
export const reminderInputSchema = z.object({
  appointmentId: appointmentIdSchema,
  insuredId: insuredIdSchema,
  remindsOf: z.iso.datetime({ offset: true }),
  correlationId: correlationIdSchema,
});
export type ReminderInput = z.infer<typeof reminderInputSchema>;

/** The detail of AppointmentReminderDue: the appointment as stored when its reminder fired, still starting then. */
export const appointmentReminderDueSchema = z.object({
  ...appointmentFields,
  slot: appointmentSlotSchema(),
  remindsOf: z.iso.datetime({ offset: true }),
});
export type AppointmentReminderDue = z.infer<typeof appointmentReminderDueSchema>;
