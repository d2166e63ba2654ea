import * as z from 'zod';
import {
  appointmentIdSchema,
  countryISOSchema,
  insuredIdSchema,
  scheduleIdSchema,
} from './appointment';

/** Carried from the mutation through every stage so one request's logs can be found together. */
const correlationIdSchema = z.string().min(1).max(128);

/** Published on SNS by createAppointment; the body each country queue receives. */
export const appointmentRequestedSchema = z.object({
  appointmentId: appointmentIdSchema,
  insuredId: insuredIdSchema,
  scheduleId: scheduleIdSchema,
  countryISO: countryISOSchema,
  createdAt: z.iso.datetime(),
  correlationId: correlationIdSchema,
});
export type AppointmentRequested = z.infer<typeof appointmentRequestedSchema>;

/** The detail of the AppointmentScheduled event a country worker puts on EventBridge. */
export const appointmentScheduledSchema = appointmentRequestedSchema
  .omit({ createdAt: true })
  .extend({ scheduledAt: z.iso.datetime() });
export type AppointmentScheduled = z.infer<typeof appointmentScheduledSchema>;
