import type { AppointmentScheduled } from '../messages';
import type { AppointmentRepository, StructuredLogger } from '../ports';

/** The completion worker's step: PENDING → COMPLETED, once, however often the event arrives. */
export async function completeAppointment(
  scheduled: AppointmentScheduled,
  ports: { appointments: AppointmentRepository; logger: StructuredLogger; now?: () => Date },
): Promise<void> {
  const { appointments, logger, now = () => new Date() } = ports;
  const outcome = await appointments.markCompleted(scheduled, now());
  const logKeys = { appointmentId: scheduled.appointmentId, correlationId: scheduled.correlationId };
  if (outcome === 'completed') logger.info('Appointment COMPLETED', logKeys);
  else logger.info('Appointment was already COMPLETED; repeated confirmation ignored', logKeys);
}
