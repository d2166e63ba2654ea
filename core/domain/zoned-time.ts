import type { Country } from './countries';

/**
 * Times in a centre's own zone, with Intl only: Node 20 has no Temporal, and a time-zone library would
 * add weight to every function bundle for what ICU's zone data already knows.
 */

// Building an Intl.DateTimeFormat costs far more than using one; expanding a month of slots uses the same few.
const formatters = new Map<string, Intl.DateTimeFormat>();

function formatter(key: string, make: () => Intl.DateTimeFormat): Intl.DateTimeFormat {
  let found = formatters.get(key);
  if (!found) {
    found = make();
    formatters.set(key, found);
  }
  return found;
}

/** The wall clock of `timeZone` at an instant, as numbers, and (when asked for) its offset from UTC in minutes. */
interface WallClock {
  readonly year: number;
  readonly month: number;
  readonly day: number;
  readonly hour: number;
  readonly minute: number;
  readonly second: number;
  readonly offsetMinutes: number;
}

function wallClockAt(instant: Date, timeZone: string, withOffset: true): WallClock;
function wallClockAt(instant: Date, timeZone: string, withOffset: false): Omit<WallClock, 'offsetMinutes'>;
function wallClockAt(instant: Date, timeZone: string, withOffset: boolean): Omit<WallClock, 'offsetMinutes'> & { offsetMinutes?: number } {
  // en-US with numeric parts: its digits and field order are the same in every ICU version; h23 never says 24:00.
  // The offset's name costs half as much again, and checking a wall time does not need it.
  const parts = formatter(`wall|${timeZone}|${withOffset}`, () => {
    return new Intl.DateTimeFormat('en-US', {
      timeZone,
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
      hourCycle: 'h23',
      ...(withOffset ? { timeZoneName: 'longOffset' } : {}),
    });
  }).formatToParts(instant);
  const part = (type: Intl.DateTimeFormatPartTypes): string => parts.find((candidate) => candidate.type === type)?.value ?? '';
  const wall = {
    year: Number(part('year')),
    month: Number(part('month')),
    day: Number(part('day')),
    hour: Number(part('hour')),
    minute: Number(part('minute')),
    second: Number(part('second')),
  };
  return withOffset ? { ...wall, offsetMinutes: parseLongOffset(part('timeZoneName')) } : wall;
}

/** `GMT-05:00` → -300. ICU writes a zero offset as `GMT` (some versions `GMT+00:00`). */
function parseLongOffset(text: string): number {
  const match = /^GMT(?:([+-])(\d{2}):(\d{2}))?$/.exec(text);
  if (!match) throw new Error(`Unexpected time-zone offset from Intl: "${text}"`);
  const [, sign, hours, minutes] = match;
  if (!sign) return 0;
  return (sign === '-' ? -1 : 1) * (Number(hours) * 60 + Number(minutes));
}

const pad = (value: number, width = 2): string => String(value).padStart(width, '0');

function formatOffset(offsetMinutes: number): string {
  const magnitude = Math.abs(offsetMinutes);
  return `${offsetMinutes < 0 ? '-' : '+'}${pad(Math.floor(magnitude / 60))}:${pad(magnitude % 60)}`;
}

/**
 * An instant as the wall clock of `timeZone` shows it, with that zone's offset then:
 * `2026-12-15T10:30:00-05:00`. Seconds always, no milliseconds, never `Z` (a client reads the centre's own time).
 */
export function zonedDateTime(instant: Date | string, timeZone: string): string {
  const at = new Date(instant);
  if (Number.isNaN(at.getTime())) throw new RangeError(`Not an instant: ${String(instant)}`);
  const wall = wallClockAt(at, timeZone, true);
  const date = `${pad(wall.year, 4)}-${pad(wall.month)}-${pad(wall.day)}`;
  return `${date}T${pad(wall.hour)}:${pad(wall.minute)}:${pad(wall.second)}${formatOffset(wall.offsetMinutes)}`;
}

const HOUR_MS = 3_600_000;
const DAY_MS = 24 * HOUR_MS;

/**
 * The instant at which `timeZone`'s clocks show `date` (YYYY-MM-DD) `time` (hh:mm): undefined when they never
 * do (the hour skipped when clocks go forward); the first occurrence when they show it twice (clocks go back).
 */
export function localWallTimeToInstant(date: string, time: string, timeZone: string): Date | undefined {
  const [year, month, day] = date.split('-').map(Number);
  const [hour, minute] = time.split(':').map(Number);
  const asIfUtc = Date.UTC(year ?? NaN, (month ?? NaN) - 1, day ?? NaN, hour ?? NaN, minute ?? NaN);
  if (Number.isNaN(asIfUtc)) throw new RangeError(`Not a local date and time: ${date} ${time}`);
  const offsets = offsetsAroundDay(Math.floor(asIfUtc / DAY_MS) * DAY_MS, timeZone);
  // One offset all around the day (most days of every zone): the wall time exists once, and nothing to check.
  if (offsets.length === 1) return new Date(asIfUtc - (offsets[0] ?? 0) * 60_000);
  // Otherwise each offset gives a candidate instant, right only if the zone's clock then shows exactly the wall
  // time asked for: none when the clocks skip it, two when they show it twice.
  const matching = offsets
    .map((offsetMinutes) => asIfUtc - offsetMinutes * 60_000)
    .filter((candidate) => showsWallTime(candidate, asIfUtc, timeZone))
    .sort((a, b) => a - b);
  return matching[0] === undefined ? undefined : new Date(matching[0]);
}

// A session's slots share their day: probing the zone once per day, not once per slot, makes a month of slots
// several times faster. Bounded, as it lives as long as a warm function.
const dayOffsets = new Map<string, number[]>();
const MAX_CACHED_DAYS = 1024;

/**
 * The offsets `timeZone` uses from a day before the local day starting at `dayAsIfUtc` until a day after it ends:
 * probes a day apart see them all, as no zone changes its clocks and back again within a day.
 */
function offsetsAroundDay(dayAsIfUtc: number, timeZone: string): number[] {
  const key = `${timeZone}|${dayAsIfUtc}`;
  let offsets = dayOffsets.get(key);
  if (!offsets) {
    offsets = [...new Set([-1, 0, 1, 2].map((days) => wallClockAt(new Date(dayAsIfUtc + days * DAY_MS), timeZone, true).offsetMinutes))];
    if (dayOffsets.size >= MAX_CACHED_DAYS) dayOffsets.clear();
    dayOffsets.set(key, offsets);
  }
  return offsets;
}

function showsWallTime(candidate: number, asIfUtc: number, timeZone: string): boolean {
  const wall = wallClockAt(new Date(candidate), timeZone, false);
  return Date.UTC(wall.year, wall.month - 1, wall.day, wall.hour, wall.minute, wall.second) === asIfUtc;
}

/**
 * An instant as the country writes it in an email, in its zone: `martes 15 de diciembre de 2026, 10:30`.
 * Built from the parts, not from ICU's whole pattern, whose punctuation differs between Node versions
 * (Node 20 writes `martes, 15 de …`); weekday and month lower case, as Spanish writes them in a sentence.
 */
export function spokenDateTime(instant: Date | string, country: Pick<Country, 'locale' | 'timeZone'>): string {
  const parts = formatter(`spoken|${country.locale}|${country.timeZone}`, () => {
    return new Intl.DateTimeFormat(country.locale, {
      timeZone: country.timeZone,
      weekday: 'long',
      day: 'numeric',
      month: 'long',
      year: 'numeric',
      hour: '2-digit',
      minute: '2-digit',
      hourCycle: 'h23',
    });
  }).formatToParts(new Date(instant));
  const part = (type: Intl.DateTimeFormatPartTypes): string => parts.find((candidate) => candidate.type === type)?.value ?? '';
  const lower = (text: string): string => text.toLocaleLowerCase(country.locale);
  return `${lower(part('weekday'))} ${part('day')} de ${lower(part('month'))} de ${part('year')}, ${part('hour')}:${part('minute')}`;
}
