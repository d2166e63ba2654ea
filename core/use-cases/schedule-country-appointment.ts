import { WrongCountryError } from '../errors';
import type { AppointmentRequested } from '../messages';
import type { CountryAppointmentStore, ScheduledEventPublisher, StructuredLogger } from '../ports';

export interface ScheduleCountryAppointmentPorts {
  readonly countryAppointments: CountryAppointmentStore;
  readonly scheduledEvents: ScheduledEventPublisher;
  readonly logger: StructuredLogger;
  readonly now?: () => Date;
}

/**
 * The country worker's step: record the appointment in the country's database,
 * then announce it. Safe to repeat: the row is written once, and a repeated
 * announcement only meets an appointment that is already COMPLETED.
 */
export async function scheduleCountryAppointment(
  request: AppointmentRequested,
  ports: ScheduleCountryAppointmentPorts,
): Promise<void> {
  const { countryAppointments, scheduledEvents, logger, now = () => new Date() } = ports;
  if (request.countryISO !== countryAppointments.countryISO) {
    throw new WrongCountryError(
      `Appointment ${request.appointmentId} is for ${request.countryISO}, but this worker schedules ${countryAppointments.countryISO}`,
    );
  }
  await countryAppointments.save(request);
  const { createdAt: _createdAt, ...scheduled } = request;
  await scheduledEvents.publish({ ...scheduled, scheduledAt: now().toISOString() });
  logger.info('Appointment scheduled in its country', {
    appointmentId: request.appointmentId,
    correlationId: request.correlationId,
    countryISO: request.countryISO,
  });
}
