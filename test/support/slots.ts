import { randomInt } from 'node:crypto';

/**
 * The allocator behind `given.aFreeSlot` and `given.freeSlots` (test/steps/given.ts), where tests
 * get their slots: when slots come from a catalog, the steps change, not the tests.
 *
 * Slots no other test has booked. Every suite shares the one test MySQL, where a slot can be
 * held once, so each test file counts up from a random start of its own (far below 2^31, so a
 * file can never run past the largest scheduleId).
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
