import { AppointmentStatus, holdsItsSlot, validateCancellationArgs, type Appointment } from '../domain/appointment';
import { authorizeFor, type Caller } from '../domain/caller';
import { AppointmentNotCancellableError, asError, SchedulingUnavailableError } from '../domain/errors';
import { authorizeNoticeOverride, checkChangeTime } from '../domain/late-changes';
import type { PipelineMetrics } from '../observability/metrics';
import type { AppointmentRepository, CountryMessagePublisher, StructuredLogger } from '../ports';

export interface CancelAppointmentPorts {
  readonly appointments: AppointmentRepository;
  readonly requests: CountryMessagePublisher;
  readonly logger: StructuredLogger;
  readonly metrics: Pick<PipelineMetrics, 'statusStored'>;
  readonly now?: () => Date;
}

/**
 * Cancels a PENDING or COMPLETED appointment at once in DynamoDB, then asks its country
 * to free the slot. Cancelling an appointment that is already CANCELLED answers the same
 * and asks the country again, so a cancellation whose hand-off failed is healed by a retry.
 * Its country's rules for late changes are checked first (core/domain/late-changes.ts).
 */
export async function cancelAppointment(
  args: unknown,
  caller: Caller,
  correlationId: string,
  ports: CancelAppointmentPorts,
): Promise<Appointment> {
  const { appointments, requests, logger, metrics, now = () => new Date() } = ports;
  const { key, overrideNotice } = validateCancellationArgs(args);
  authorizeFor(caller, key.insuredId, 'cancel');
  authorizeNoticeOverride(caller, overrideNotice);
  const at = now();
  // Read first: the rules need the slot's start. A missing appointment is changeStatus's to refuse.
  const stored = await appointments.get(key);
  const override = stored && holdsItsSlot(stored.status) ? checkChangeTime('cancel', stored, caller, overrideNotice, at) : undefined;
  const { outcome, appointment } = await appointments.changeStatus(key, { target: AppointmentStatus.CANCELLED, at });
  const logKeys = { appointmentId: appointment.appointmentId, correlationId, countryISO: appointment.countryISO };
  if (override && outcome === 'changed') {
    logger.warn("Cancelled inside its country's notice period: overridden by staff", { ...logKeys, overriddenBy: override.overriddenBy });
  }
  if (outcome === 'refused') {
    throw new AppointmentNotCancellableError(
      `Appointment ${appointment.appointmentId} is ${appointment.status} and cannot be cancelled: only PENDING or COMPLETED appointments can.`,
    );
  }
  logger.info(outcome === 'changed' ? 'Appointment CANCELLED' : 'Appointment was already CANCELLED; asking its country again', logKeys);
  // Counted once, when stored: a repeated cancellation only asks the country again.
  if (outcome === 'changed') metrics.statusStored(appointment);
  const { appointmentId, insuredId, scheduleId, countryISO, updatedAt } = appointment;
  try {
    await requests.publish({
      type: 'AppointmentCancellationRequested',
      appointmentId,
      insuredId,
      scheduleId,
      countryISO,
      cancelledAt: updatedAt,
      correlationId,
    });
  } catch (error) {
    // Cancelled for the insured person; the slot stays held until a retry reaches the country (`npm run reconcile` lists it).
    logger.error('Cancellation could not be sent to the country; its slot is not freed yet', { ...logKeys, error: asError(error) });
    throw new SchedulingUnavailableError(
      'The appointment is cancelled, but its slot could not be freed yet. Please cancel it again to finish.',
    );
  }
  return appointment;
}
