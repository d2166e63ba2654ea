import { AppointmentStatus } from '../domain/appointment';
import type { ReminderInput } from '../messages/appointment-messages';
import type { AppointmentRepository, ReminderBus, StructuredLogger } from '../ports';

export interface RemindOfAppointmentPorts {
  readonly appointments: Pick<AppointmentRepository, 'get'>;
  readonly bus: ReminderBus;
  readonly logger: StructuredLogger;
}

/**
 * The reminder worker's step, when an appointment's schedule fires: the appointment is read again, and only if it is
 * still COMPLETED and still starts when the schedule was made for is AppointmentReminderDue put on the bus (the email
 * route sends it once). A cancelled or moved appointment is never reminded of its old time, whatever schedule was
 * left behind. Answers whether it was announced.
 */
export async function remindOfAppointment(input: ReminderInput, ports: RemindOfAppointmentPorts): Promise<boolean> {
  const { appointments, bus, logger } = ports;
  const logKeys = { appointmentId: input.appointmentId, correlationId: input.correlationId, remindsOf: input.remindsOf };
  const appointment = await appointments.get(input);
  const { slot } = appointment ?? {};
  if (!appointment || appointment.status !== AppointmentStatus.COMPLETED || !slot || slot.startsAt !== input.remindsOf) {
    logger.info('Reminder no longer due: the appointment was cancelled or moved since it was scheduled', {
      ...logKeys,
      status: appointment?.status,
      startsAt: slot?.startsAt,
    });
    return false;
  }
  const { appointmentId, insuredId, scheduleId, countryISO } = appointment;
  await bus.announce({
    appointmentId,
    insuredId,
    scheduleId,
    countryISO,
    correlationId: input.correlationId,
    slot,
    remindsOf: input.remindsOf,
  });
  logger.info('Reminder due: announced for the email route', logKeys);
  return true;
}
