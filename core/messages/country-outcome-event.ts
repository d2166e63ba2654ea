import * as z from 'zod/mini';
import {
  appointmentCancelledSchema,
  appointmentRejectedSchema,
  appointmentRescheduledSchema,
  appointmentRescheduleRefusedSchema,
  appointmentScheduledSchema,
  type CountryOutcome,
} from './appointment-messages';

/** The envelope fields of an EventBridge event that the queues its rules feed rely on. */
export const eventBridgeEnvelope = { id: z.string(), source: z.string(), time: z.iso.datetime() };

/**
 * The EventBridge event a country decision arrives in (the confirmation queue's body), read as a
 * CountryOutcome; the appointment and correlation ids are lifted beside it for the failure logs.
 */
export const countryOutcomeEventSchema = z.pipe(
  z.discriminatedUnion('detail-type', [
    z.object({ ...eventBridgeEnvelope, 'detail-type': z.literal('AppointmentScheduled'), detail: appointmentScheduledSchema }),
    z.object({ ...eventBridgeEnvelope, 'detail-type': z.literal('AppointmentRejected'), detail: appointmentRejectedSchema }),
    z.object({ ...eventBridgeEnvelope, 'detail-type': z.literal('AppointmentCancelled'), detail: appointmentCancelledSchema }),
    z.object({ ...eventBridgeEnvelope, 'detail-type': z.literal('AppointmentRescheduled'), detail: appointmentRescheduledSchema }),
    z.object({
      ...eventBridgeEnvelope,
      'detail-type': z.literal('AppointmentRescheduleRefused'),
      detail: appointmentRescheduleRefusedSchema,
    }),
  ]),
  z.transform((event) => ({
    ...({ detailType: event['detail-type'], detail: event.detail } as CountryOutcome),
    appointmentId: event.detail.appointmentId,
    correlationId: event.detail.correlationId,
  })),
);
