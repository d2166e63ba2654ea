import type { AppointmentScheduled } from '../messages';
import type { AppointmentRepository, StatusChangePublisher, StructuredLogger } from '../ports';

/**
 * The completion worker's step: PENDING → COMPLETED, once, however often the event
 * arrives; then the stored change is announced to subscribers. A repeated event
 * announces it again (the first announcement may be what failed), so every stored
 * change is published at least once and never before it is stored.
 */
export async function completeAppointment(
  scheduled: AppointmentScheduled,
  ports: { appointments: AppointmentRepository; statusChanges: StatusChangePublisher; logger: StructuredLogger; now?: () => Date },
): Promise<void> {
  const { appointments, statusChanges, logger, now = () => new Date() } = ports;
  const { outcome, appointment } = await appointments.markCompleted(scheduled, now());
  const logKeys = { appointmentId: scheduled.appointmentId, correlationId: scheduled.correlationId };
  if (outcome === 'completed') logger.info('Appointment COMPLETED', logKeys);
  else logger.info('Appointment was already COMPLETED; announcing it again', logKeys);
  const { appointmentId, insuredId, scheduleId, countryISO, status, updatedAt } = appointment;
  await statusChanges.publish({ appointmentId, insuredId, scheduleId, countryISO, status, updatedAt });
  logger.info('Status change published to subscribers', { ...logKeys, status });
}
