import type { Appointment, AppointmentStatus } from '../../core/appointment';

/** One stored appointment of insured 00012 in PE, decided a second after its booking, with `changes` on top. */
export function anAppointment(status: AppointmentStatus, changes: Partial<Appointment> = {}): Appointment {
  return {
    appointmentId: '01JD3S8Y1R8W6ZC7Y9T0QK2M4N',
    insuredId: '00012',
    scheduleId: 100,
    countryISO: 'PE',
    status,
    rejectionReason: null,
    createdAt: '2026-11-29T10:00:00.000Z',
    updatedAt: '2026-11-29T10:00:01.000Z',
    ...changes,
  };
}
