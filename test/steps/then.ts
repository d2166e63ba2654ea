import type { Pool } from 'mysql2/promise';
import type {
  Appointment,
  AppointmentConnection,
  AppointmentStatus,
  Catalog,
  Slot as SlotAnswer,
  SlotConnection,
  SlotPublication,
} from '../../core/graphql/types.generated';
import { pollUntil } from '../e2e/client';
import { slotRows } from '../support/mysql';
import type { StatusChangeSubscriber } from '../support/status-change-subscriber';
import type {
  Answer,
  AppointmentAnswer,
  AppointmentKey,
  AppointmentsApi,
  AppointmentsAnswer,
  CatalogAnswer,
  FreeSlotsAnswer,
  PublicationAnswer,
  WithdrawalAnswer,
} from './api';
import type { Slot } from './given';

/**
 * The "then" steps: what a caller was answered, what the appointment became, what was left
 * behind. Each asserts with jest's expect; the ones that wait poll what they read until it holds
 * or their deadline passes, never sleeping a fixed time.
 */

/** How long a booking may take to be decided by its country on a busy test machine. */
export const SETTLED_WITHIN_MS = 20_000;

export const then = {
  /** The call was answered with an appointment and no error; that appointment. */
  accepted(answer: AppointmentAnswer): Appointment {
    expect(answer.errors).toBeUndefined();
    if (!answer.appointment) throw new Error(`No appointment in the answer: ${JSON.stringify(answer)}`);
    return answer.appointment;
  },

  /** The call was answered with an appointment in `status`; that appointment. */
  theAppointmentIs(answer: AppointmentAnswer, status: AppointmentStatus): Appointment {
    const appointment = then.accepted(answer);
    expect(appointment.status).toBe(status);
    return appointment;
  },

  /** The list call was answered, with no error; the page it answered. */
  listed(answer: AppointmentsAnswer): AppointmentConnection {
    expect(answer.errors).toBeUndefined();
    if (!answer.appointments) throw new Error(`No appointments in the answer: ${JSON.stringify(answer)}`);
    return answer.appointments;
  },

  /** availableSlots answered, with no error; the page of free slots it offered. */
  offered: (answer: FreeSlotsAnswer): SlotConnection => answeredWith(answer, 'slots'),

  /** catalog answered, with no error; the country's catalog as the app's pickers get it. */
  theCatalogRead: (answer: CatalogAnswer): Catalog => answeredWith(answer, 'catalog'),

  /** publishSlots answered, with no error; the publication as staff were told it was accepted. */
  publicationAccepted: (answer: PublicationAnswer): SlotPublication => answeredWith(answer, 'publication'),

  /** withdrawSlot answered, with no error; the slot staff were told is being withdrawn. */
  withdrawalAccepted: (answer: WithdrawalAnswer): SlotAnswer => answeredWith(answer, 'withdrawn'),

  /**
   * The call was refused with one error of `errorType`, as a client reads it, and no value came with it.
   * `message`: a string the message contains, or a pattern it matches; `path`: the field the error names.
   */
  refusedWith(answer: Answer, errorType: string, details: { message?: string | RegExp; path?: readonly string[] } = {}): void {
    const expected: Record<string, unknown> = { errorType };
    if (typeof details.message === 'string') expected.message = expect.stringContaining(details.message);
    if (details.message instanceof RegExp) expected.message = expect.stringMatching(details.message);
    if (details.path) expected.path = details.path;
    expect(answer.errors).toEqual([expect.objectContaining(expected)]);
    expect(valueOf(answer)).toBeUndefined();
  },

  /**
   * The appointment as `reader` lists it once it is no longer PENDING (its country decided, or it was
   * cancelled), or as last listed when `withinMs` passed; undefined when it was never listed.
   */
  theOutcomeOf: (reader: AppointmentsApi, appointment: AppointmentKey, withinMs = SETTLED_WITHIN_MS): Promise<Appointment | undefined> =>
    listedUntil(reader, appointment, (found) => found.status !== 'PENDING', withinMs),

  /** `reader` lists for the insured person exactly these appointments (their first 100, by id, in any order). */
  async theirAppointmentsAre(reader: AppointmentsApi, insuredId: string, appointments: readonly AppointmentKey[]): Promise<void> {
    const listed = then.listed(await reader.listAppointments(insuredId, { limit: 100 }));
    expect(listed.items.map((item) => item.appointmentId).sort()).toEqual(
      appointments.map((appointment) => appointment.appointmentId).sort(),
    );
  },

  /** The appointment, as `reader` lists it, reaches `status` within `withinMs`; it as listed then. */
  async theAppointmentBecomes(
    reader: AppointmentsApi,
    appointment: AppointmentKey,
    status: AppointmentStatus,
    withinMs = SETTLED_WITHIN_MS,
  ): Promise<Appointment> {
    const listed = await listedUntil(reader, appointment, (found) => found.status === status, withinMs);
    expect(listed).toMatchObject({ appointmentId: appointment.appointmentId, status });
    return listed!;
  },

  /** The subscriber heard `status` for the appointment within `withinMs` (perhaps among others, and more than once). */
  async subscribersHeard(
    subscriber: StatusChangeSubscriber,
    appointmentId: string,
    status: AppointmentStatus,
    withinMs: number,
  ): Promise<void> {
    await subscriber.waitUntil(() => subscriber.statusesOf(appointmentId).includes(status), withinMs);
    expect(subscriber.statusesOf(appointmentId)).toContain(status);
  },

  /** A refused call left nothing behind: no item stored for it, no message handed to the pipeline. */
  nothingWasStoredOrPublished({ stored, published }: { stored: readonly unknown[]; published: readonly unknown[] }): void {
    expect(stored).toEqual([]);
    expect(published).toEqual([]);
  },

  /** The rows the slot's country schema holds for it, oldest appointment first: who holds it, who held it, who lost it. */
  async theSlotsRowsAre(pool: Pool, slot: Slot, rows: readonly { appointment_id: string; status: string }[]): Promise<void> {
    expect(await slotRows(pool, slot.countryISO, slot.scheduleId)).toEqual(rows);
  },
};

/** The appointment in its insured person's list (first 100) once `done` holds for it, or as last listed. */
function listedUntil(reader: AppointmentsApi, appointment: AppointmentKey, done: (found: Appointment) => boolean, withinMs: number) {
  const find = async () =>
    (await reader.listAppointments(appointment.insuredId, { limit: 100 })).appointments?.items.find(
      (item) => item.appointmentId === appointment.appointmentId,
    );
  return pollUntil(find, (found) => found !== undefined && done(found), withinMs);
}

/** What the answer carries beside its errors and HTTP status: the field's value, if any came. */
function valueOf(answer: Answer): unknown {
  const { errors: _errors, httpStatus: _httpStatus, ...values } = answer as Answer & Record<string, unknown>;
  return Object.values(values).find((value) => value !== undefined);
}

/** The answer's value under `key`, once it is clear no error came with it. */
function answeredWith<Valued extends Answer, Key extends Exclude<keyof Valued, keyof Answer> & string>(
  answer: Valued,
  key: Key,
): NonNullable<Valued[Key]> {
  expect(answer.errors).toBeUndefined();
  const value = answer[key];
  if (value === undefined || value === null) throw new Error(`No ${key} in the answer: ${JSON.stringify(answer)}`);
  return value;
}
