import * as z from 'zod/mini';
import { eventBridgeEnvelope } from './country-outcome-event';
import { appointmentReminderDueSchema, appointmentStatusChangedSchema } from './appointment-messages';
import { topology } from '../config/topology';

/** The EventBridge event a stored status change arrives in (the email queue's body), read as its detail. */
export const statusChangeEventSchema = z.pipe(
  z.object({
    ...eventBridgeEnvelope,
    'detail-type': z.literal(topology.statusChangeEvents.detailType),
    detail: appointmentStatusChangedSchema,
  }),
  z.transform((event) => event.detail),
);

/**
 * What the email queue delivers: a stored status change, or a reminder come due (AppointmentReminderDue), each
 * read as its detail, the reminder marked `reminder: true` so the email worker tells the two apart.
 */
export const insuredEmailEventSchema = z.union([
  statusChangeEventSchema,
  z.pipe(
    z.object({
      ...eventBridgeEnvelope,
      'detail-type': z.literal(topology.reminders.detailType),
      detail: appointmentReminderDueSchema,
    }),
    z.transform((event) => ({ ...event.detail, reminder: true as const })),
  ),
]);
export type InsuredEmailEvent = z.infer<typeof insuredEmailEventSchema>;
