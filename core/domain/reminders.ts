import { AppointmentStatus, type Appointment } from './appointment';

/**
 * When an appointment is reminded of (core/config/topology.ts, reminders): `leadMinutes` before its slot starts,
 * once it is COMPLETED. None for an appointment without a slot (booked before the catalog), for one not COMPLETED,
 * and for one whose reminder time has passed already (booked inside the lead: its confirmation suffices).
 */
export function reminderOf(
  appointment: Pick<Appointment, 'status' | 'slot'>,
  leadMinutes: number,
  now: Date,
): { readonly at: Date; readonly remindsOf: string; readonly timeZone: string } | undefined {
  const { slot } = appointment;
  if (appointment.status !== AppointmentStatus.COMPLETED || !slot) return undefined;
  const at = new Date(Date.parse(slot.startsAt) - leadMinutes * 60_000);
  if (at.getTime() <= now.getTime()) return undefined;
  return { at, remindsOf: slot.startsAt, timeZone: slot.centre.timeZone };
}

/** The lead the deployment sets (REMINDER_LEAD_MINUTES), or the default; anything but a positive whole number is refused. */
export function reminderLeadMinutes(configured: string | undefined, defaultMinutes: number): number {
  if (configured === undefined || configured === '') return defaultMinutes;
  const minutes = Number(configured);
  if (!Number.isInteger(minutes) || minutes < 1) {
    throw new RangeError(`REMINDER_LEAD_MINUTES must be a positive whole number of minutes, not "${configured}"`);
  }
  return minutes;
}
