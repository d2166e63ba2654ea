// zod/mini: the same checks as zod, a fraction of its size and load time in every function bundle.
import * as z from 'zod/mini';
import { countryISOs } from './countries';
import { reservedSlotProblem } from './reserved-check-slots';
import { ValidationError } from './errors';
import {
  AppointmentStatus,
  RejectionReason,
  type Appointment,
  type CountryISO,
  type CreateAppointmentInput,
} from '../graphql/types.generated';

export { AppointmentStatus, RejectionReason };
export type { Appointment, CountryISO, CreateAppointmentInput };

const MAX_INT32 = 2_147_483_647;

/**
 * The lifecycle: each status lists the statuses it may move to. DynamoDB's conditions,
 * the cancellation rule and the retry rule are derived from it; the schema's enum must
 * name exactly these statuses (the type below fails to compile otherwise).
 */
export const legalTransitions: { readonly [From in AppointmentStatus]: readonly AppointmentStatus[] } = {
  PENDING: [AppointmentStatus.COMPLETED, AppointmentStatus.REJECTED, AppointmentStatus.CANCELLED],
  COMPLETED: [AppointmentStatus.CANCELLED],
  REJECTED: [],
  CANCELLED: [],
};

/** The statuses from which an appointment may move to `target`. */
export function statusesLeadingTo(target: AppointmentStatus): AppointmentStatus[] {
  return (Object.keys(legalTransitions) as AppointmentStatus[]).filter((from) => legalTransitions[from].includes(target));
}

/**
 * Whether an appointment holds (or is waiting for) its slot: it may be cancelled, and
 * booking the same slot again returns it instead of making a second appointment.
 */
export function holdsItsSlot(status: AppointmentStatus): boolean {
  return statusesLeadingTo(AppointmentStatus.CANCELLED).includes(status);
}

// The rules each field follows, shared by the GraphQL input and the queue messages.
export const insuredIdSchema = z.string({ error: 'insuredId must be a string of exactly 5 digits, for example "00012"' }).check(
  z.regex(/^[0-9]{5}$/, {
    error: 'insuredId must be exactly 5 digits (0-9), leading zeros included, with no spaces or other characters, for example "00012"',
  }),
);

export const scheduleIdSchema = z
  .number({ error: 'scheduleId must be a positive whole number' })
  .check(
    z.refine(Number.isInteger, { error: 'scheduleId must be a whole number' }),
    z.gte(1, { error: 'scheduleId must be a positive whole number (1 or more)' }),
    z.lte(MAX_INT32, { error: `scheduleId must be at most ${MAX_INT32}` }),
  );

export const countryISOSchema = z.enum(countryISOs as [CountryISO, ...CountryISO[]], {
  error: `countryISO must be one of ${countryISOs.join(', ')}`,
});

/** A ULID: 26 Crockford base-32 characters, so ids sort by creation time. */
export const appointmentIdSchema = z.string().check(z.regex(/^[0-9A-HJKMNP-TV-Z]{26}$/, { error: 'appointmentId must be a ULID' }));

const createAppointmentInputSchema = z.strictObject(
  { insuredId: insuredIdSchema, scheduleId: scheduleIdSchema, countryISO: countryISOSchema },
  { error: (issue) => (issue.code === 'unrecognized_keys' ? `unknown field(s): ${issue.keys.join(', ')}` : 'input must be an object') },
);

/** Checks a client's input; throws a ValidationError naming every broken rule. */
export function validateCreateAppointmentInput(input: unknown): CreateAppointmentInput {
  const valid = parseOrThrow(createAppointmentInputSchema, input);
  // Checks and real people never share a slot (core/domain/reserved-check-slots.ts).
  const reserved = reservedSlotProblem(valid);
  if (reserved) throw new ValidationError([reserved]);
  return valid;
}

const cancellationArgsSchema = z.strictObject(
  { insuredId: insuredIdSchema, appointmentId: appointmentIdSchema, overrideNotice: z.optional(z.nullable(z.boolean())) },
  { error: (issue) => (issue.code === 'unrecognized_keys' ? `unknown field(s): ${issue.keys.join(', ')}` : 'arguments must be an object') },
);

/** Checks cancelAppointment's arguments: the appointment's key, and whether staff override the country's notice. */
export function validateCancellationArgs(args: unknown): { key: { insuredId: string; appointmentId: string }; overrideNotice: boolean } {
  const { overrideNotice, ...key } = parseOrThrow(cancellationArgsSchema, args);
  return { key, overrideNotice: overrideNotice === true };
}

const rescheduleArgsSchema = z.strictObject(
  {
    insuredId: insuredIdSchema,
    appointmentId: appointmentIdSchema,
    scheduleId: scheduleIdSchema,
    countryISO: z.optional(z.nullable(countryISOSchema)),
    overrideNotice: z.optional(z.nullable(z.boolean())),
  },
  { error: (issue) => (issue.code === 'unrecognized_keys' ? `unknown field(s): ${issue.keys.join(', ')}` : 'arguments must be an object') },
);

/** What rescheduleAppointment asks: which appointment, to which slot (of which country, if the client says), and whether staff override the notice. */
export interface RescheduleRequest {
  readonly key: { readonly insuredId: string; readonly appointmentId: string };
  readonly scheduleId: number;
  readonly countryISO: CountryISO | undefined;
  readonly overrideNotice: boolean;
}

/** Checks rescheduleAppointment's arguments; throws a ValidationError naming every broken rule. */
export function validateRescheduleArgs(args: unknown): RescheduleRequest {
  const { insuredId, appointmentId, scheduleId, countryISO, overrideNotice } = parseOrThrow(rescheduleArgsSchema, args);
  return { key: { insuredId, appointmentId }, scheduleId, countryISO: countryISO ?? undefined, overrideNotice: overrideNotice === true };
}

/** How many of the slots an appointment moved from it keeps (Appointment.movedFrom). */
export const MOVES_REMEMBERED = 5;

export function validateInsuredId(insuredId: unknown): string {
  return parseOrThrow(insuredIdSchema, insuredId);
}

export function parseOrThrow<T>(schema: z.ZodMiniType<T>, value: unknown): T {
  const result = z.safeParse(schema, value);
  if (result.success) return result.data;
  throw new ValidationError(result.error.issues.map((issue) => issue.message));
}

/** A new appointment, PENDING, holding `slot` as the catalog has it (null for a deployment check's slot, which no catalog has). */
export function pendingAppointment(
  input: CreateAppointmentInput,
  appointmentId: string,
  now: Date,
  slot: Appointment['slot'] = null,
): Appointment {
  const timestamp = now.toISOString();
  return {
    appointmentId,
    insuredId: input.insuredId,
    scheduleId: input.scheduleId,
    countryISO: input.countryISO,
    status: AppointmentStatus.PENDING,
    rejectionReason: null,
    createdAt: timestamp,
    updatedAt: timestamp,
    slot,
    pendingReschedule: null,
    movedFrom: [],
  };
}
