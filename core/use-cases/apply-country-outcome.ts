import { AppointmentStatus, type RejectionReason } from '../domain/appointment';
import { IllegalTransitionError } from '../domain/errors';
import type { CountryOutcome } from '../messages/appointment-messages';
import type { PipelineMetrics } from '../observability/metrics';
import type { AppointmentRepository, StatusChangeBus, StatusChangeSubscribers, StructuredLogger } from '../ports';

export interface ApplyCountryOutcomePorts {
  readonly appointments: AppointmentRepository;
  readonly subscribers: StatusChangeSubscribers;
  /** The bus's AppointmentStatusChanged: what follows a stored change (the insured person's email) hangs off it. */
  readonly eventBus: StatusChangeBus;
  readonly logger: StructuredLogger;
  readonly metrics: Pick<PipelineMetrics, 'statusStored' | 'statusChangePublished'>;
  readonly now?: () => Date;
}

/** The status each country decision gives an appointment. */
const statusAfter = {
  AppointmentScheduled: AppointmentStatus.COMPLETED,
  AppointmentRejected: AppointmentStatus.REJECTED,
  AppointmentCancelled: AppointmentStatus.CANCELLED,
} as const satisfies Record<CountryOutcome['detailType'], AppointmentStatus>;

/**
 * The completion worker's step: apply a country's decision to the appointment once,
 * however often it arrives, then announce the stored status to subscribers and on the bus. A repeated
 * decision announces it again (the first announcement may be what failed), so every
 * stored change is published at least once and never before it is stored. A decision
 * that arrives after the appointment was cancelled is dropped: cancellation wins.
 */
export async function applyCountryOutcome(outcome: CountryOutcome, ports: ApplyCountryOutcomePorts): Promise<void> {
  const { appointments, subscribers, eventBus, logger, metrics, now = () => new Date() } = ports;
  const { detail } = outcome;
  const target = statusAfter[outcome.detailType];
  const rejectionReason: RejectionReason | undefined =
    outcome.detailType === 'AppointmentRejected' ? outcome.detail.rejectionReason : undefined;
  const { outcome: result, appointment } = await appointments.changeStatus(detail, { target, at: now(), rejectionReason });
  const logKeys = { appointmentId: detail.appointmentId, correlationId: detail.correlationId, status: appointment.status };
  if (result === 'refused') {
    if (appointment.status === AppointmentStatus.CANCELLED) {
      logger.info(`${outcome.detailType} arrived after the appointment was cancelled; nothing to change`, logKeys);
      return;
    }
    throw new IllegalTransitionError(
      `Appointment ${detail.appointmentId} is ${appointment.status} and cannot become ${target} (${outcome.detailType})`,
    );
  }
  logger.info(result === 'changed' ? `Appointment ${target}` : `Appointment was already ${target}; announcing it again`, logKeys);
  // Counted once, when stored: a redelivered decision changes nothing and is not a second decision.
  if (result === 'changed') metrics.statusStored(appointment);
  const { appointmentId, insuredId, scheduleId, countryISO, updatedAt } = appointment;
  const change = {
    appointmentId,
    insuredId,
    scheduleId,
    countryISO,
    status: target,
    rejectionReason: appointment.rejectionReason ?? null,
    updatedAt,
    slot: appointment.slot ?? null,
  };
  // Both at once: neither waits for the other, and a failure of either retries the record, which announces both again.
  await Promise.all([
    subscribers.publish(change).then(() => {
      logger.info('Status change published to subscribers', logKeys);
      metrics.statusChangePublished(countryISO);
    }),
    eventBus
      .announce({ ...change, correlationId: detail.correlationId })
      .then(() => logger.info('Status change announced on the event bus', logKeys)),
  ]);
}
