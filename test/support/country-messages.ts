import { monotonicFactory } from 'ulid';
import type { CountryISO } from '../../core/graphql/types.generated';
import type {
  AppointmentCancellationRequested,
  AppointmentRequested,
  AppointmentRescheduleRequested,
} from '../../core/messages/appointment-messages';
import { given } from '../steps/given';

// Monotonic: ids sort in creation order, as the migration's "first booking" relies on.
export const ulid = monotonicFactory();

/** A booking as a country queue delivers it, on a fresh slot unless told otherwise: one its catalog lacks, which the country books as it books appointments made before the catalog. */
export const bookingRequest = (countryISO: CountryISO, overrides: Partial<AppointmentRequested> = {}): AppointmentRequested => ({
  type: 'AppointmentRequested',
  appointmentId: ulid(),
  insuredId: '00012',
  scheduleId: given.aSlotTheCatalogLacks(countryISO).scheduleId,
  countryISO,
  createdAt: '2026-11-22T10:00:00.123Z',
  correlationId: 'test',
  ...overrides,
});

/** The cancellation of that booking, as a country queue delivers it. */
export const cancellationOf = (booking: AppointmentRequested): AppointmentCancellationRequested => ({
  type: 'AppointmentCancellationRequested',
  appointmentId: booking.appointmentId,
  insuredId: booking.insuredId,
  scheduleId: booking.scheduleId,
  countryISO: booking.countryISO,
  cancelledAt: '2026-11-22T10:05:00.000Z',
  correlationId: 'test',
});

/** A move of that booking to `toScheduleId`, as a country queue delivers it; each new move's id sorts after the last's. */
export const moveOf = (
  booking: AppointmentRequested,
  toScheduleId: number,
  fromScheduleId = booking.scheduleId,
): AppointmentRescheduleRequested => ({
  type: 'AppointmentRescheduleRequested',
  appointmentId: booking.appointmentId,
  insuredId: booking.insuredId,
  scheduleId: fromScheduleId,
  countryISO: booking.countryISO,
  toScheduleId,
  moveId: ulid(),
  requestedAt: '2026-11-22T10:03:00.000Z',
  correlationId: 'test',
});
