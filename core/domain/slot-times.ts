import { countries } from './countries';
import type { SlotPublication, SlotSession, SlotTime } from './slots';
import { localWallTimeToInstant } from './zoned-time';

/**
 * A publication's slots in time: apart from its validation (slot-publication.ts), so the country worker,
 * which stores slots already validated, carries none of the validation's rules in its bundle.
 */

/** Ids of centres, specialties and doctors: they appear in URLs, logs and keys, so plain lowercase ASCII. */
export const CATALOG_ID_PATTERN = /^[a-z0-9][a-z0-9-]{0,63}$/;

/**
 * Every slot of a publication in UTC, soonest first, each once. The sessions' wall times are read in the
 * centre's country's zone: a wall time the clocks skip has no slot; one they show twice has one, the first.
 */
export function slotTimesOf(publication: SlotPublication): SlotTime[] {
  const { timeZone } = countries[publication.countryISO];
  const byStart = new Map<number, SlotTime>();
  for (const session of publication.sessions) {
    for (const time of sessionSlotTimes(session, timeZone)) byStart.set(time.startsAt.getTime(), time);
  }
  return [...byStart.values()].sort((a, b) => a.startsAt.getTime() - b.startsAt.getTime());
}

export function sessionSlotTimes(session: SlotSession, timeZone: string): SlotTime[] {
  const lengthMs = session.everyMinutes * 60_000;
  return wallStarts(session).flatMap((start) => {
    const startsAt = localWallTimeToInstant(session.date, start, timeZone);
    // A slot lasts everyMinutes of real time, also across a change of the clocks.
    return startsAt ? [{ startsAt, endsAt: new Date(startsAt.getTime() + lengthMs) }] : [];
  });
}

/** The wall times (hh:mm) at which the session's slots start: from, from + N, …, the last ending at or before `to`. */
export function wallStarts(session: SlotSession): string[] {
  const starts: string[] = [];
  const to = minutesOf(session.to);
  for (let start = minutesOf(session.from); start + session.everyMinutes <= to; start += session.everyMinutes) {
    starts.push(`${String(Math.floor(start / 60)).padStart(2, '0')}:${String(start % 60).padStart(2, '0')}`);
  }
  return starts;
}

/** How many slots a session makes by its wall times (before any change of the clocks skips one). */
export function wallSlotCount(session: Pick<SlotSession, 'from' | 'to' | 'everyMinutes'>): number {
  return Math.max(0, Math.floor((minutesOf(session.to) - minutesOf(session.from)) / session.everyMinutes));
}

export function minutesOf(time: string): number {
  const [hours, minutes] = time.split(':').map(Number);
  return (hours ?? 0) * 60 + (minutes ?? 0);
}
