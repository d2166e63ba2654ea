import { parseOrThrow, validateInsuredId, type Appointment } from '../domain/appointment';
import { authorizeFor, type Caller } from '../domain/caller';
import type { AppointmentRepository } from '../ports';
import * as z from 'zod/mini';

export const DEFAULT_PAGE_SIZE = 20;
export const MAX_PAGE_SIZE = 100;

const limitError = `limit must be a whole number from 1 to ${MAX_PAGE_SIZE}`;
const limitSchema = z
  .number({ error: limitError })
  .check(z.refine(Number.isInteger, { error: limitError }), z.gte(1, { error: limitError }), z.lte(MAX_PAGE_SIZE, { error: limitError }));

export interface AppointmentPage {
  items: Appointment[];
  nextToken: string | null;
}

/** An insured person's appointments, newest first, one page at a time, for a caller allowed to see them. */
export async function listAppointments(
  args: { insuredId: unknown; limit?: unknown; nextToken?: unknown },
  caller: Caller,
  ports: { appointments: AppointmentRepository },
): Promise<AppointmentPage> {
  const insuredId = validateInsuredId(args.insuredId);
  authorizeFor(caller, insuredId, 'list');
  const limit = args.limit == null ? DEFAULT_PAGE_SIZE : parseOrThrow(limitSchema, args.limit);
  const cursor = args.nextToken == null ? undefined : parseOrThrow(z.string({ error: 'nextToken must be a string' }), args.nextToken);
  const page = await ports.appointments.listByInsured(insuredId, { limit, cursor });
  return { items: page.items, nextToken: page.cursor ?? null };
}
