import * as z from 'zod/mini';
import { countryISOSchema, parseOrThrow } from '../domain/appointment';
import { ValidationError } from '../domain/errors';
import { CATALOG_ID_PATTERN } from '../domain/slot-times';
import type { Catalog, SlotConnection } from '../graphql/types.generated';
import type { SlotReadModel } from '../ports';
import { DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE } from './list-appointments';
import { centreAnswer, slotAnswer } from './slot-answers';

/** The widest window an app may browse in one request: a month of a country's slots. */
export const MAX_WINDOW_DAYS = 31;
const DAY_MS = 24 * 60 * 60 * 1000;

const limitError = `limit must be a whole number from 1 to ${MAX_PAGE_SIZE}`;
const idError = (field: string) => `${field} must be an id of the catalog (lowercase letters, digits and dashes)`;
const optionalId = (field: string) =>
  z.optional(z.nullable(z.string({ error: idError(field) }).check(z.regex(CATALOG_ID_PATTERN, { error: idError(field) }))));
const instant = (field: string) =>
  z.pipe(
    z.string({ error: `${field} must be a date and time` }),
    z.transform((text, context) => {
      const at = new Date(text);
      if (Number.isNaN(at.getTime())) context.issues.push({ code: 'custom', message: `${field} must be a date and time`, input: text });
      return at;
    }),
  );

const availableSlotsArgsSchema = z.object({
  countryISO: countryISOSchema,
  from: instant('from'),
  to: instant('to'),
  specialtyId: optionalId('specialtyId'),
  centreId: optionalId('centreId'),
  doctorId: optionalId('doctorId'),
  limit: z.optional(
    z.nullable(
      z
        .number({ error: limitError })
        .check(
          z.refine(Number.isInteger, { error: limitError }),
          z.gte(1, { error: limitError }),
          z.lte(MAX_PAGE_SIZE, { error: limitError }),
        ),
    ),
  ),
  nextToken: z.optional(z.nullable(z.string({ error: 'nextToken must be a string' }))),
});

/**
 * Free slots of a country in [from, to), soonest first, a page at a time, from the read model. A slot whose
 * start has passed is never offered: the window starts no earlier than now.
 */
export async function browseAvailableSlots(args: unknown, ports: { slots: SlotReadModel; now?: () => Date }): Promise<SlotConnection> {
  const { countryISO, from, to, specialtyId, centreId, doctorId, limit, nextToken } = parseOrThrow(availableSlotsArgsSchema, args);
  if (to.getTime() <= from.getTime()) throw new ValidationError(['to must be later than from']);
  if (to.getTime() - from.getTime() > MAX_WINDOW_DAYS * DAY_MS) {
    throw new ValidationError([`The window from \`from\` to \`to\` may span at most ${MAX_WINDOW_DAYS} days`]);
  }
  const now = (ports.now ?? (() => new Date()))();
  const query = {
    countryISO,
    from: from.getTime() < now.getTime() ? now : from,
    to,
    ...(specialtyId && { specialtyId }),
    ...(centreId && { centreId }),
    ...(doctorId && { doctorId }),
  };
  const page = await ports.slots.freeSlots(query, { limit: limit ?? DEFAULT_PAGE_SIZE, ...(nextToken && { cursor: nextToken }) });
  return { items: page.items.map(slotAnswer), nextToken: page.cursor ?? null };
}

/** A country's specialties, centres and doctors, as the read model has recorded them from its slots. */
export async function countryCatalog(args: unknown, ports: { slots: SlotReadModel }): Promise<Catalog> {
  const { countryISO } = parseOrThrow(z.object({ countryISO: countryISOSchema }), args);
  const catalog = await ports.slots.catalog(countryISO);
  return {
    countryISO,
    specialties: catalog.specialties.map((specialty) => ({ ...specialty })),
    centres: catalog.centres.map((centre) => centreAnswer(countryISO, centre)),
    doctors: catalog.doctors.map((doctor) => ({ ...doctor })),
  };
}
