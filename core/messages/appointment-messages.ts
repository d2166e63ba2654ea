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

/** What a country queue carries. */
export const countryMessageSchema = z.union([appointmentCancellationRequestedSchema, appointmentRequestedSchema]);
export type CountryMessage = AppointmentRequested | AppointmentCancellationRequested;

/**
 * A slot's state in a country's database for one appointment. OVERBOOKED marks a row that
 * shared its slot with an earlier one before the database enforced one booking per slot.
 */
export type CountrySlotStatus = 'SCHEDULED' | 'REJECTED' | 'CANCELLED' | 'OVERBOOKED';

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

/** A country's decision on one appointment, as the event bus carries it (detail-type and detail). */
export type CountryOutcome =
  | { readonly detailType: 'AppointmentScheduled'; readonly detail: AppointmentScheduled }
  | { readonly detailType: 'AppointmentRejected'; readonly detail: AppointmentRejected }
  | { readonly detailType: 'AppointmentCancelled'; readonly detail: AppointmentCancelled };

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

/** The statuses an appointment settles in after PENDING: each stored one is announced as AppointmentStatusChanged. */
const settledStatusSchema = z.enum([AppointmentStatus.COMPLETED, AppointmentStatus.REJECTED, AppointmentStatus.CANCELLED]);

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
});
export type AppointmentStatusChanged = z.infer<typeof appointmentStatusChangedSchema>;
