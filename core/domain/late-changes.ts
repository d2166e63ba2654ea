import type { Appointment } from './appointment';
import type { Caller } from './caller';
import { countries, type Country } from './countries';
import { AppointmentNotCancellableError, AppointmentNotReschedulableError, NoticePeriodError, UnauthorizedError } from './errors';

/**
 * Each country's rules for late changes: an appointment that has begun is never cancelled or moved, and one that
 * starts within the country's notice for the change (`cancellationNoticeMinutes`, `rescheduleNoticeMinutes`) is
 * changed only by staff who say they override it. An appointment without a slot (booked before the catalog; a
 * deployment check) has no known start: no rule applies.
 */

/** A change an insured person may make to their appointment, and how the rules name it. */
export type LateChange = 'cancel' | 'reschedule';

const ruleOf = {
  cancel: {
    noticeMinutes: (country: Country) => country.cancellationNoticeMinutes,
    verb: 'cancelled',
    staffMay: 'cancel it',
    refusal: AppointmentNotCancellableError,
  },
  reschedule: {
    noticeMinutes: (country: Country) => country.rescheduleNoticeMinutes,
    verb: 'moved to another slot',
    staffMay: 'move it',
    refusal: AppointmentNotReschedulableError,
  },
} as const;

/** Only staff (and the API key, which acts as staff) may ask to override a country's notice. */
export function authorizeNoticeOverride(caller: Caller, overrideNotice: boolean): void {
  if (!overrideNotice || caller.kind === 'staff' || caller.kind === 'developer') return;
  throw new UnauthorizedError("Not authorized to override a country's notice period: only call-centre staff may (overrideNotice).");
}

/** Who overrode the notice, when the change needed it; undefined when it came in time. Throws when it may not happen. */
export function checkChangeTime(
  change: LateChange,
  appointment: Appointment,
  caller: Caller,
  overrideNotice: boolean,
  now: Date,
): { readonly overriddenBy: string } | undefined {
  const { slot } = appointment;
  if (!slot) return undefined;
  const rule = ruleOf[change];
  const minutesLeft = (Date.parse(slot.startsAt) - now.getTime()) / 60_000;
  if (minutesLeft <= 0) {
    throw new rule.refusal(
      `Appointment ${appointment.appointmentId} began at ${slot.startsAt}: an appointment that has begun cannot be ${rule.verb}.`,
    );
  }
  const country = countries[appointment.countryISO];
  const noticeMinutes = rule.noticeMinutes(country);
  if (minutesLeft >= noticeMinutes) return undefined;
  if (overrideNotice) return { overriddenBy: caller.kind === 'staff' ? caller.username : 'the API key' };
  throw new NoticePeriodError(
    `Appointments in ${country.name} can be ${rule.verb} until ${duration(noticeMinutes)} before they start; ` +
      `appointment ${appointment.appointmentId} starts at ${slot.startsAt}, in ${duration(Math.ceil(minutesLeft))}. ` +
      `Call-centre staff may still ${rule.staffMay}.`,
  );
}

function duration(minutes: number): string {
  const hours = Math.floor(minutes / 60);
  const rest = minutes % 60;
  const parts = [hours ? `${hours} hour${hours === 1 ? '' : 's'}` : '', rest ? `${rest} minute${rest === 1 ? '' : 's'}` : ''];
  return parts.filter(Boolean).join(' ');
}
