import { EventBridgeSchema } from '@aws-lambda-powertools/parser/schemas';
import * as z from 'zod';
import { appointmentCancelledSchema, appointmentRejectedSchema, appointmentScheduledSchema, type CountryOutcome } from './messages';

/**
 * The EventBridge event a country decision arrives in (the confirmation queue's body), read as a
 * CountryOutcome; the appointment and correlation ids are lifted beside it for the failure logs.
 */
export const countryOutcomeEventSchema = z
  .discriminatedUnion('detail-type', [
    EventBridgeSchema.extend({ 'detail-type': z.literal('AppointmentScheduled'), detail: appointmentScheduledSchema }),
    EventBridgeSchema.extend({ 'detail-type': z.literal('AppointmentRejected'), detail: appointmentRejectedSchema }),
    EventBridgeSchema.extend({ 'detail-type': z.literal('AppointmentCancelled'), detail: appointmentCancelledSchema }),
  ])
  .transform((event) => ({
    ...({ detailType: event['detail-type'], detail: event.detail } as CountryOutcome),
    appointmentId: event.detail.appointmentId,
    correlationId: event.detail.correlationId,
  }));
