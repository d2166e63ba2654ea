import { monotonicFactory } from 'ulid';
import { pendingAppointment, validateCreateAppointmentInput, type Appointment } from '../appointment';
import { authorizeFor, type Caller } from '../caller';
import { asError, SchedulingUnavailableError } from '../errors';
import type { AppointmentRepository, AppointmentRequestPublisher, StructuredLogger } from '../ports';

export interface CreateAppointmentPorts {
  readonly appointments: AppointmentRepository;
  readonly requests: AppointmentRequestPublisher;
  readonly logger: StructuredLogger;
  readonly now?: () => Date;
  readonly newAppointmentId?: () => string;
}

// Monotonic, so two appointments created in the same millisecond still sort in creation order.
const nextUlid = monotonicFactory();

/**
 * Stores the appointment as PENDING and hands it to its country's pipeline, if the
 * caller may book for that insured person (a refused request stores and sends nothing).
 * If the hand-off fails the pending item is removed, so no appointment waits
 * forever for a pipeline that never heard of it, and the client is told to retry.
 */
export async function createAppointment(
  input: unknown,
  caller: Caller,
  correlationId: string,
  ports: CreateAppointmentPorts,
): Promise<Appointment> {
  const { appointments, requests, logger, now = () => new Date(), newAppointmentId = () => nextUlid() } = ports;
  const valid = validateCreateAppointmentInput(input);
  authorizeFor(caller, valid.insuredId, 'book');
  const appointment = pendingAppointment(valid, newAppointmentId(), now());
  const logKeys = { appointmentId: appointment.appointmentId, correlationId, countryISO: appointment.countryISO };

  await appointments.create(appointment);
  try {
    await requests.publish({
      appointmentId: appointment.appointmentId,
      insuredId: appointment.insuredId,
      scheduleId: appointment.scheduleId,
      countryISO: appointment.countryISO,
      createdAt: appointment.createdAt,
      correlationId,
    });
  } catch (publishError) {
    logger.error('Appointment request could not be published; discarding the pending appointment', { ...logKeys, error: asError(publishError) });
    try {
      await appointments.discardPending(appointment);
    } catch (discardError) {
      // Left PENDING: `npm run reconcile` lists it, and this line says which one.
      logger.error('Pending appointment could not be discarded after a failed publish', { ...logKeys, error: asError(discardError) });
      throw new SchedulingUnavailableError(
        'The appointment could not be sent for scheduling. Please try again; if it shows as PENDING, it will not be completed.',
      );
    }
    throw new SchedulingUnavailableError(
      'The appointment could not be sent for scheduling and was not saved. Please try again.',
    );
  }
  logger.info('Appointment accepted as PENDING', logKeys);
  return appointment;
}
