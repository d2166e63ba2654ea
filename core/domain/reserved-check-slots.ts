/**
 * What deployment checks (`npm run smoke`) book with, kept apart from real bookings:
 * a range of slots no real person may book, and one insuredId that may book those
 * slots only. A check therefore never takes a real person's slot, and a real person
 * never finds a slot taken by a check. The range sits at the top of the 32-bit
 * scheduleIds, above every slot the tests and the bench count up to (they stay
 * below 2,000,000,000); 99999 is the last id a sequential numbering would hand out.
 */
export const deploymentChecks = {
  insuredId: '99999',
  firstScheduleId: 2_100_000_000,
  lastScheduleId: 2_147_483_647,
} as const;

export function isCheckSlot(scheduleId: number): boolean {
  return scheduleId >= deploymentChecks.firstScheduleId && scheduleId <= deploymentChecks.lastScheduleId;
}

/** The slots for checks, as docs/deploy.md and the error messages name them. */
export const checkSlotRange = `${deploymentChecks.firstScheduleId} to ${deploymentChecks.lastScheduleId}`;

/** Why this booking breaks the rule that checks and real people never share a slot, or undefined when it does not. */
export function reservedSlotProblem(booking: { readonly insuredId: string; readonly scheduleId: number }): string | undefined {
  const byCheck = booking.insuredId === deploymentChecks.insuredId;
  if (byCheck === isCheckSlot(booking.scheduleId)) return undefined;
  return byCheck
    ? `insuredId ${deploymentChecks.insuredId} is reserved for deployment checks (npm run smoke) and may book only their slots (scheduleId ${checkSlotRange})`
    : `scheduleId ${booking.scheduleId} is reserved for deployment checks (npm run smoke: scheduleId ${checkSlotRange}); book a slot below ${deploymentChecks.firstScheduleId}`;
}
