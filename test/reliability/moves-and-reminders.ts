import type { Pool } from 'mysql2/promise';
import { AppointmentStatus, type Appointment, type CountryISO } from '../../core/domain/appointment';
import { countryISOs } from '../../core/domain/countries';
import { reminderEmail } from '../../core/email/status-emails';
import { topology } from '../../core/config/topology';
import type { LocalStack } from '../../local/stack';
import { subjectsByAppointment } from '../support/emails';
import type { StatusChangeSubscriber } from '../support/status-change-subscriber';
import { http, when } from '../steps';
import { freeSlotOfTheSuite, scheduledRows, storedAppointments } from './support';

/**
 * Moves among appointments a suite booked and saw COMPLETED: `solo` each to a free slot of its own, `races` pairs
 * that ask for the same free slot at once, and `ontoTaken` moves to a slot another of them holds. Countries take
 * turns. The suite asks `publishTheSlotsToBook` for `freeSlotsForMoves(plan)` more slots.
 */
export interface MovePlan {
  readonly solo: number;
  readonly races: number;
  readonly ontoTaken: number;
}

export const freeSlotsForMoves = (plan: MovePlan): number => plan.solo + plan.races;

interface Move {
  readonly appointment: Appointment;
  readonly toScheduleId: number;
}

export interface Moves {
  readonly solo: readonly Move[];
  readonly races: readonly (readonly [Move, Move])[];
  readonly ontoTaken: readonly Move[];
  /** Requests the API did not accept: a suite expects none. */
  readonly problems: readonly string[];
}

/** Which of `completed` each move takes, country by country in turn, none twice; the holders moved onto are left alone. */
function planMoves(stack: LocalStack, completed: readonly Appointment[], plan: MovePlan): Omit<Moves, 'problems'> {
  const unused = new Map(countryISOs.map((countryISO) => [countryISO, completed.filter((booked) => booked.countryISO === countryISO)]));
  const take = (countryISO: CountryISO): Appointment => {
    const appointment = unused.get(countryISO)?.shift();
    if (!appointment) throw new Error(`Too few COMPLETED ${countryISO} appointments for the moves planned`);
    return appointment;
  };
  const countryOf = (index: number) => countryISOs[index % countryISOs.length] as CountryISO;
  const toAFreeSlot = (countryISO: CountryISO) => freeSlotOfTheSuite(stack, countryISO).scheduleId;
  const solo = Array.from({ length: plan.solo }, (_, index) => ({
    appointment: take(countryOf(index)),
    toScheduleId: toAFreeSlot(countryOf(index)),
  }));
  const races = Array.from({ length: plan.races }, (_, index) => {
    const toScheduleId = toAFreeSlot(countryOf(index));
    return [
      { appointment: take(countryOf(index)), toScheduleId },
      { appointment: take(countryOf(index)), toScheduleId },
    ] as const;
  });
  const ontoTaken = Array.from({ length: plan.ontoTaken }, (_, index) => {
    const appointment = take(countryOf(index));
    return { appointment, toScheduleId: take(countryOf(index)).scheduleId };
  });
  return { solo, races, ontoTaken };
}

/** Every move of the plan asked for at once, over HTTP, as a developer with the API key. */
export async function whenCompletedAppointmentsAreMoved(
  stack: LocalStack,
  completed: readonly Appointment[],
  plan: MovePlan,
): Promise<Moves> {
  const moves = planMoves(stack, completed, plan);
  const api = when.over(http(stack, undefined, { timeoutMs: 30_000 }));
  const problems: string[] = [];
  await Promise.all(
    [...moves.solo, ...moves.races.flat(), ...moves.ontoTaken].map(async ({ appointment, toScheduleId }) => {
      const { insuredId, appointmentId, countryISO } = appointment;
      const answer = await api.rescheduleAppointment({ insuredId, appointmentId, scheduleId: toScheduleId, countryISO });
      if (!answer.appointment) problems.push(`move of ${appointmentId} refused: ${JSON.stringify(answer.errors)}`);
    }),
  );
  return { ...moves, problems };
}

/**
 * Once the pipeline is idle: each solo move and one racer of each pair moved (same id, the old slot in movedFrom), the
 * other racer and every move onto a taken slot kept its slot; none is still pending; each appointment has one row, at
 * the slot it now has; each outcome was heard on the subscription and emailed exactly once, however often its
 * messages were delivered. Returns the counts the suite prints.
 */
export async function thenEachMoveHeld(
  stack: LocalStack,
  pool: Pool,
  subscriber: StatusChangeSubscriber,
  moves: Moves,
  timeoutMs: number,
): Promise<{ moved: number; refused: number }> {
  expect(moves.problems).toEqual([]);
  const stored = new Map((await storedAppointments(stack)).map((appointment) => [appointment.appointmentId, appointment]));
  const now = (move: Move) => stored.get(move.appointment.appointmentId)!;
  const winners = moves.races.map((pair) => pair.find((move) => now(move).scheduleId === move.toScheduleId));
  expect(winners.filter((winner) => winner === undefined)).toEqual([]);
  const moved = [...moves.solo, ...(winners as Move[])];
  const refused = [...moves.races.flat().filter((move) => !moved.includes(move)), ...moves.ontoTaken];

  for (const move of moved) {
    expect(now(move)).toMatchObject({ status: AppointmentStatus.COMPLETED, scheduleId: move.toScheduleId, pendingReschedule: null });
    expect(now(move).movedFrom.at(-1)?.scheduleId).toBe(move.appointment.scheduleId);
  }
  for (const move of refused) {
    expect(now(move)).toMatchObject({
      status: AppointmentStatus.COMPLETED,
      scheduleId: move.appointment.scheduleId,
      pendingReschedule: null,
    });
  }
  const everyone = [...moved, ...refused];
  const rows = await scheduledRows(
    pool,
    everyone.map((move) => move.appointment.appointmentId),
  );
  expect(rows.map((row) => [row.appointmentId, row.scheduleId, row.status]).sort()).toEqual(
    everyone.map((move) => [move.appointment.appointmentId, now(move).scheduleId, 'SCHEDULED']).sort(),
  );

  const outcomeHeard = (move: Move, outcome: 'MOVED' | 'REFUSED') =>
    subscriber.received.some((change) => change.appointmentId === move.appointment.appointmentId && change.reschedule?.outcome === outcome);
  await subscriber.waitUntil(
    () => moved.every((move) => outcomeHeard(move, 'MOVED')) && refused.every((move) => outcomeHeard(move, 'REFUSED')),
    timeoutMs,
  );
  expect(moved.filter((move) => !outcomeHeard(move, 'MOVED') || outcomeHeard(move, 'REFUSED'))).toEqual([]);
  expect(refused.filter((move) => !outcomeHeard(move, 'REFUSED') || outcomeHeard(move, 'MOVED'))).toEqual([]);

  const subjects = await subjectsByAppointment(stack);
  const moveEmails = (move: Move) =>
    (subjects.get(move.appointment.appointmentId) ?? []).filter((subject) => /^Cita (reprogramada|sin cambios):/.test(subject));
  const kindsOf = (move: Move) => moveEmails(move).map((subject) => subject.slice(0, subject.indexOf(':')));
  expect(moved.map(kindsOf)).toEqual(moved.map(() => ['Cita reprogramada']));
  expect(refused.map(kindsOf)).toEqual(refused.map(() => ['Cita sin cambios']));
  return { moved: moved.length, refused: refused.length };
}

/**
 * When every reminder of these appointments has come due: each COMPLETED one was emailed one reminder, of the slot it
 * has now (a moved one never of its old time), and no other was; no schedule of theirs is left, none dead-lettered.
 * Returns how many reminders were sent.
 */
export async function thenEveryCompletedAppointmentIsRemindedOnce(stack: LocalStack, appointmentIds: readonly string[]): Promise<number> {
  const ids = new Set(appointmentIds);
  const stored = (await storedAppointments(stack)).filter((appointment) => ids.has(appointment.appointmentId));
  expect(stored).toHaveLength(ids.size);
  const subjects = await subjectsByAppointment(stack);
  const remindersOf = (appointment: Appointment) =>
    (subjects.get(appointment.appointmentId) ?? []).filter((subject) => subject.startsWith('Recordatorio'));
  const expected = (appointment: Appointment) =>
    appointment.status === AppointmentStatus.COMPLETED && appointment.slot
      ? [reminderEmail({ ...appointment, slot: appointment.slot, correlationId: '', remindsOf: appointment.slot.startsAt }).subject]
      : [];
  const wrong = stored.filter((appointment) => JSON.stringify(remindersOf(appointment)) !== JSON.stringify(expected(appointment)));
  expect(wrong.map((appointment) => ({ appointment, reminders: remindersOf(appointment) }))).toEqual([]);
  const left = stack.reminders.schedules().filter((schedule) => ids.has(schedule.name.slice(topology.reminders.schedulePrefix.length)));
  expect(left).toEqual([]);
  expect(stack.reminders.deadLetters()).toEqual([]);
  return stored.filter((appointment) => expected(appointment).length > 0).length;
}
