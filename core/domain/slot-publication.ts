// zod/mini, as appointment.ts: the shape and each field's rule; the rules across fields follow in plain code.
import * as z from 'zod/mini';
import { countries, countryISOs, type Country } from './countries';
import { countryISOSchema } from './appointment';
import { ValidationError } from './errors';
import type { SlotPublication, SlotSession } from './slots';
import { CATALOG_ID_PATTERN, minutesOf, sessionSlotTimes, wallStarts } from './slot-times';
import type { PublishSlotsInput } from '../graphql/types.generated';

export const MAX_CATALOG_TEXT_LENGTH = 120;
/** A month of a doctor's days at one centre, at most: a longer agenda is published in several parts. */
export const MAX_SESSIONS_PER_PUBLICATION = 31;
/** Keeps one publication one bounded write in its country's database and one message on its queue. */
export const MAX_SLOTS_PER_PUBLICATION = 1000;
export const MIN_EVERY_MINUTES = 5;
export const MAX_EVERY_MINUTES = 240;

function idSchema(field: string, example: string) {
  return z.string({ error: `${field} must be a string` }).check(
    z.regex(CATALOG_ID_PATTERN, {
      error: `${field} must be 1 to 64 lowercase letters (a-z), digits and dashes, starting with a letter or digit, for example "${example}"`,
    }),
  );
}

function textSchema(field: string) {
  return z
    .string({ error: `${field} must be a string` })
    .check(
      z.trim(),
      z.minLength(1, { error: `${field} must not be empty` }),
      z.maxLength(MAX_CATALOG_TEXT_LENGTH, { error: `${field} must be at most ${MAX_CATALOG_TEXT_LENGTH} characters` }),
    );
}

const strictError = (what: string) => (issue: z.core.$ZodRawIssue) =>
  issue.code === 'unrecognized_keys' ? `${what}: unknown field(s): ${issue.keys.join(', ')}` : `${what} must be an object`;

/** Each country's attributes input (`peru: { district }`, `chile: { commune, region }`), optional here: which one is required depends on countryISO. */
const centreAttributeInputs = Object.fromEntries(
  countryISOs.map((iso) => {
    const { centreInputField, centreAttributes } = countries[iso];
    const shape = Object.fromEntries(
      centreAttributes.map((attribute) => [attribute, textSchema(`centre.${centreInputField}.${attribute}`)]),
    );
    return [centreInputField, z.nullish(z.strictObject(shape, { error: strictError(`centre.${centreInputField}`) }))];
  }),
);

const wallTimePattern = /^([01][0-9]|2[0-3]):[0-5][0-9](:00)?$/;
// AWSTime may carry an offset (`08:00Z`, `08:00:00-05:00`); a session's times are the centre's own, so none is allowed.
const offsetPattern = /(Z|[+-][0-9]{2}(:?[0-9]{2}){0,2})$/;

function wallTimeSchema(field: 'from' | 'to') {
  return z.string({ error: `${field} must be a string` }).check(
    z.check((context) => {
      const value = context.value;
      if (wallTimePattern.test(value)) return;
      const message = offsetPattern.test(value)
        ? `${field} must be the centre's local time without an offset or Z (the centre's country gives its zone), for example "08:30"`
        : `${field} must be a time of day as hh:mm (24-hour, whole minutes), for example "08:30"`;
      context.issues.push({ code: 'custom', message, input: value });
    }),
    // Slots are stored from hh:mm; ":00" seconds, which AWSTime allows, say nothing more.
    z.overwrite((value) => value.slice(0, 5)),
  );
}

const sessionSchema = z.strictObject(
  {
    date: z.string({ error: 'date must be a string' }).check(
      z.refine(isCalendarDate, {
        error: 'date must be a real calendar date as YYYY-MM-DD, the centre\'s local date, for example "2026-12-15"',
      }),
    ),
    from: wallTimeSchema('from'),
    to: wallTimeSchema('to'),
    everyMinutes: z
      .number({ error: 'everyMinutes must be a number' })
      .check(
        z.refine(Number.isInteger, { error: 'everyMinutes must be a whole number of minutes' }),
        z.gte(MIN_EVERY_MINUTES, { error: `everyMinutes must be at least ${MIN_EVERY_MINUTES}` }),
        z.lte(MAX_EVERY_MINUTES, { error: `everyMinutes must be at most ${MAX_EVERY_MINUTES}` }),
      ),
  },
  {
    error: (issue) =>
      issue.code === 'unrecognized_keys'
        ? `unknown field(s): ${issue.keys.join(', ')}`
        : 'must be an object with date, from, to and everyMinutes',
  },
);

const publishSlotsInputSchema = z.strictObject(
  {
    countryISO: countryISOSchema,
    centre: z.strictObject(
      { centreId: idSchema('centre.centreId', 'pe-clinica-san-borja'), name: textSchema('centre.name'), ...centreAttributeInputs },
      { error: strictError('centre') },
    ),
    specialty: z.strictObject(
      { specialtyId: idSchema('specialty.specialtyId', 'medicina-general'), name: textSchema('specialty.name') },
      { error: strictError('specialty') },
    ),
    doctor: z.strictObject(
      { doctorId: idSchema('doctor.doctorId', 'maria-quispe-huaman'), name: textSchema('doctor.name') },
      { error: strictError('doctor') },
    ),
    sessions: z.array(sessionSchema, { error: 'sessions must be a list' }).check(
      z.minLength(1, { error: 'sessions must name at least one session' }),
      z.maxLength(MAX_SESSIONS_PER_PUBLICATION, {
        error: `sessions: at most ${MAX_SESSIONS_PER_PUBLICATION} sessions in one publication; publish the rest separately`,
      }),
    ),
  },
  { error: strictError('input') },
);

type ParsedInput = z.infer<typeof publishSlotsInputSchema>;

/**
 * Checks what staff publish (the GraphQL PublishSlotsInput) and turns it into a SlotPublication: the centre's
 * country field becomes its `attributes`. Throws a ValidationError naming every broken rule, the shape's first,
 * then the rules across fields (`now` decides which sessions have already begun).
 */
export function validateSlotPublication(input: unknown, now: Date): SlotPublication {
  const parsed = z.safeParse(publishSlotsInputSchema, input);
  if (!parsed.success) throw new ValidationError(parsed.error.issues.map(describeIssue));
  const country = countries[parsed.data.countryISO];
  const attributes = centreAttributesOf(parsed.data, country);
  const sessions = parsed.data.sessions.map(({ date, from, to, everyMinutes }): SlotSession => ({ date, from, to, everyMinutes }));
  const problems = [...attributes.problems, ...sessionProblems(sessions, country, now)];
  if (problems.length > 0) throw new ValidationError(problems);
  const { centre, specialty, doctor } = parsed.data;
  return {
    countryISO: country.iso,
    centre: { centreId: centre.centreId, name: centre.name, attributes: attributes.values },
    specialty: { specialtyId: specialty.specialtyId, name: specialty.name },
    doctor: { doctorId: doctor.doctorId, name: doctor.name },
    sessions,
  };
}

/** A session's field problems start with the session's number as staff count them (1, 2, …). */
function describeIssue(issue: z.core.$ZodIssue): string {
  const [first, index] = issue.path;
  return first === 'sessions' && typeof index === 'number' ? `session ${index + 1}: ${issue.message}` : issue.message;
}

/** The country's own field carries the centre's attributes; another country's field is a mistake worth naming. */
function centreAttributesOf(input: ParsedInput, country: Country): { values: Record<string, string>; problems: string[] } {
  // The country fields are built from the registry, so their type is not the schema's; each was checked as its country's strings.
  const centre: Readonly<Record<string, unknown>> = input.centre;
  const ownField = `centre.${country.centreInputField}`;
  const ownAttributes = country.centreAttributes.join(' and ');
  const problems = countryISOs
    .map((iso) => countries[iso])
    .filter((other) => other.iso !== country.iso && centre[other.centreInputField] != null)
    .map(
      (other) =>
        `centre.${other.centreInputField} is for ${other.iso} centres; a ${country.iso} centre gives its ${ownAttributes} in ${ownField}`,
    );
  const given = centre[country.centreInputField] as Readonly<Record<string, string>> | null | undefined;
  if (given != null) return { values: Object.fromEntries(country.centreAttributes.map((key) => [key, given[key] ?? ''])), problems };
  // Already told where the attributes go when another country's field was given instead.
  return {
    values: {},
    problems: problems.length > 0 ? problems : [`${ownField} is required for a ${country.iso} centre: its ${ownAttributes}`],
  };
}

function sessionProblems(sessions: readonly SlotSession[], country: Country, now: Date): string[] {
  const problems: string[] = [];
  let total = 0;
  sessions.forEach((session, index) => {
    const label = `session ${index + 1} (${session.date} ${session.from}–${session.to})`;
    if (minutesOf(session.from) >= minutesOf(session.to)) return problems.push(`${label}: from must be earlier than to`);
    if (wallStarts(session).length === 0) return problems.push(`${label}: no ${session.everyMinutes}-minute slot fits between from and to`);
    const times = sessionSlotTimes(session, country.timeZone);
    const first = times[0];
    if (!first) return problems.push(`${label}: its times do not exist in ${country.timeZone} (the clocks skip them that day)`);
    if (first.startsAt.getTime() <= now.getTime())
      problems.push(`${label}: its first slot has already begun; publish slots that start later`);
    total += times.length;
  });
  if (total > MAX_SLOTS_PER_PUBLICATION) {
    problems.push(`the sessions make ${total} slots; at most ${MAX_SLOTS_PER_PUBLICATION} in one publication, publish the rest separately`);
  }
  return [...problems, ...overlapProblems(sessions)];
}

/** A doctor is at one place at a time: two sessions of one day may touch (13:00 and 13:00) but not overlap. */
function overlapProblems(sessions: readonly SlotSession[]): string[] {
  const problems: string[] = [];
  sessions.forEach((session, index) => {
    sessions.slice(0, index).forEach((earlier, earlierIndex) => {
      const overlap =
        earlier.date === session.date && minutesOf(earlier.from) < minutesOf(session.to) && minutesOf(session.from) < minutesOf(earlier.to);
      if (overlap) {
        problems.push(
          `sessions ${earlierIndex + 1} and ${index + 1} overlap on ${session.date} (${earlier.from}–${earlier.to} and ${session.from}–${session.to})`,
        );
      }
    });
  });
  return problems;
}

function isCalendarDate(value: string): boolean {
  const match = /^([0-9]{4})-([0-9]{2})-([0-9]{2})$/.exec(value);
  if (!match) return false;
  const [year, month, day] = match.slice(1).map(Number) as [number, number, number];
  const date = new Date(0);
  date.setUTCFullYear(year, month - 1, day);
  return date.getUTCFullYear() === year && date.getUTCMonth() === month - 1 && date.getUTCDate() === day;
}

/** The GraphQL input that publishes `publication` (the demo catalog and tests publish through the API as staff do). */
export function publishSlotsInputOf(publication: SlotPublication): PublishSlotsInput {
  const { countryISO, centre, specialty, doctor, sessions } = publication;
  const inputField = countries[countryISO].centreInputField;
  return {
    countryISO,
    centre: { centreId: centre.centreId, name: centre.name, [inputField]: { ...centre.attributes } },
    specialty: { ...specialty },
    doctor: { ...doctor },
    sessions: sessions.map((session) => ({ ...session })),
  };
}
