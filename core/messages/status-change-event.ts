import * as z from 'zod/mini';
import { eventBridgeEnvelope } from './country-outcome-event';
import { appointmentStatusChangedSchema } from './appointment-messages';
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
