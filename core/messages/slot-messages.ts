import * as z from 'zod/mini';
import { countryISOSchema, scheduleIdSchema } from '../domain/appointment';
import { CATALOG_ID_PATTERN } from '../domain/slot-times';
import type { SlotPublication, SlotSnapshot } from '../domain/slots';
import { countryMessageSchema, type CountryMessage } from './appointment-messages';

/**
 * The catalog's messages: staff's publications and withdrawals travel to the country on the same
 * topic and queue as its bookings (one writer per country database), and the country announces
 * each slot's state on the event bus for the read model.
 */

const correlationIdSchema = z.string().check(z.minLength(1), z.maxLength(128));
const idSchema = z.string().check(z.regex(CATALOG_ID_PATTERN));
const nameSchema = z.string().check(z.minLength(1), z.maxLength(120));

// A plain check rather than z.record: the country worker's bundle is held to 500 KB, and zod's record and
// array parsers add kilobytes for what two loops check.
const isText = (value: unknown) => typeof value === 'string' && value.length >= 1 && value.length <= 120;
const attributesSchema = z.custom<Record<string, string>>(
  (value) => typeof value === 'object' && value !== null && !Array.isArray(value) && Object.values(value).every(isText),
  { error: 'attributes must map names to texts of 1 to 120 characters' },
);
const centreSchema = z.object({ centreId: idSchema, name: nameSchema, attributes: attributesSchema });
const specialtySchema = z.object({ specialtyId: idSchema, name: nameSchema });
const doctorSchema = z.object({ doctorId: idSchema, name: nameSchema });

const slotPublicationSchema = z.object({
  countryISO: countryISOSchema,
  centre: centreSchema,
  specialty: specialtySchema,
  doctor: doctorSchema,
  sessions: z.array(
    z.object({
      date: z.string().check(z.regex(/^\d{4}-\d{2}-\d{2}$/)),
      from: z.string().check(z.regex(/^\d{2}:\d{2}$/)),
      to: z.string().check(z.regex(/^\d{2}:\d{2}$/)),
      everyMinutes: z.number().check(z.int(), z.positive()),
    }),
  ),
}) satisfies z.ZodMiniType<SlotPublication>;

/** Published on SNS by publishSlots, already validated: the country stores the slots it does not have yet. */
export const slotPublicationRequestedSchema = z.object({
  type: z.literal('SlotPublicationRequested'),
  publicationId: z.string().check(z.minLength(1), z.maxLength(64)),
  countryISO: countryISOSchema,
  correlationId: correlationIdSchema,
  publication: slotPublicationSchema,
});
// The publication as the domain types it (read-only lists); the schema checks the same shape.
export type SlotPublicationRequested = Omit<z.infer<typeof slotPublicationRequestedSchema>, 'publication'> & {
  publication: SlotPublication;
};

/** Published on SNS by withdrawSlot: the country withdraws the slot unless a booking holds it by then. */
export const slotWithdrawalRequestedSchema = z.object({
  type: z.literal('SlotWithdrawalRequested'),
  countryISO: countryISOSchema,
  scheduleId: scheduleIdSchema,
  correlationId: correlationIdSchema,
  requestedAt: z.iso.datetime(),
});
export type SlotWithdrawalRequested = z.infer<typeof slotWithdrawalRequestedSchema>;

export type SlotMessage = SlotPublicationRequested | SlotWithdrawalRequested;

const slotSnapshotSchema = z.object({
  countryISO: countryISOSchema,
  scheduleId: scheduleIdSchema,
  centre: centreSchema,
  specialty: specialtySchema,
  doctor: doctorSchema,
  startsAt: z.iso.datetime(),
  endsAt: z.iso.datetime(),
  availability: z.enum(['FREE', 'TAKEN', 'WITHDRAWN']),
  version: z.number().check(z.int(), z.positive()),
}) satisfies z.ZodMiniType<SlotSnapshot>;

/** The detail of SlotAvailabilityChanged: the slot as its country's database holds it after a change. */
export const slotAvailabilityChangedSchema = z.object({ ...slotSnapshotSchema.shape, correlationId: correlationIdSchema });
export type SlotAvailabilityChanged = z.infer<typeof slotAvailabilityChangedSchema>;

/** What a country queue carries: bookings and cancellations, and the catalog's publications and withdrawals. */
export const countryQueueMessageSchema = z.union([slotPublicationRequestedSchema, slotWithdrawalRequestedSchema, countryMessageSchema]);
export type CountryQueueMessage = CountryMessage | SlotMessage;

/** The EventBridge event a slot's state arrives in (the availability queue's body), read as its detail. */
export const slotAvailabilityEventSchema = z.pipe(
  z.object({
    id: z.string(),
    source: z.string(),
    time: z.iso.datetime(),
    'detail-type': z.literal('SlotAvailabilityChanged'),
    detail: slotAvailabilityChangedSchema,
  }),
  z.transform((event) => event.detail),
);
