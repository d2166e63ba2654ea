import { randomInt } from 'node:crypto';

/**
 * scheduleIds that no catalog has, for the country-level tests only: the MySQL adapters, the country worker and
 * the pipeline tests that send country messages straight to a country, where a country still books a slot its
 * catalog lacks (appointments made before the catalog existed). Tests take them through
 * `given.aSlotTheCatalogLacks` (test/steps/given.ts); `given.slotsInTheCatalog` numbers the slots it writes into an
 * in-process read model from here too, as no country catalog stands behind them. Anything that books through the
 * API books a slot its catalog has: `given.freeSlotsIn` (a local stack) or `given.slotsInTheCatalog`.
 *
 * Slots no other test has booked. Every suite shares the one test MySQL, where a slot can be
 * held once, so each test file counts up from a random start of its own (far below 2^31, so a
 * file can never run past the largest scheduleId). The catalogs number their slots from 1 up: a
 * file meets them only if its random start falls among the few tens of thousands a test run publishes.
 */
let next = randomInt(1, 2_000_000_000);

export function newScheduleId(): number {
  return reserveScheduleIds(1);
}

/** The first of `count` consecutive fresh slots, reserved for this caller alone. */
export function reserveScheduleIds(count: number): number {
  const first = next;
  next += count;
  return first;
}
