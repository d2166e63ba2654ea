import { AppointmentStatus, type Appointment, type RejectionReason } from '../domain/appointment';
import { IllegalTransitionError } from '../domain/errors';
import type { RescheduleResult } from '../graphql/types.generated';
import type { AppointmentRescheduled, AppointmentRescheduleRefused, CountryOutcome } from '../messages/appointment-messages';
import type { PipelineMetrics } from '../observability/metrics';
import { reminderOf } from '../domain/reminders';
import type { AppointmentReminders, AppointmentRepository, StatusChangeBus, StatusChangeSubscribers, StructuredLogger } from '../ports';

export interface ApplyCountryOutcomePorts {
  readonly appointments: AppointmentRepository;
  readonly subscribers: StatusChangeSubscribers;
  /** The bus's AppointmentStatusChanged: what follows a stored change (the insured person's email) hangs off it. */
  readonly eventBus: StatusChangeBus;
  readonly logger: StructuredLogger;
  readonly metrics: Pick<PipelineMetrics, 'statusStored' | 'statusChangePublished'>;
  /** Each COMPLETED appointment's one reminder, kept in step with what it became (moved, cancelled). */
  readonly reminders: AppointmentReminders;
  readonly reminderLeadMinutes: number;
  readonly now?: () => Date;
}

type StatusOutcome = Exclude<CountryOutcome, { detailType: 'AppointmentRescheduled' | 'AppointmentRescheduleRefused' }>;
type MoveOutcome = Extract<CountryOutcome, { detailType: 'AppointmentRescheduled' | 'AppointmentRescheduleRefused' }>;

/** The status each country decision gives an appointment. */
const statusAfter = {
  AppointmentScheduled: AppointmentStatus.COMPLETED,
  AppointmentRejected: AppointmentStatus.REJECTED,
  AppointmentCancelled: AppointmentStatus.CANCELLED,
} as const satisfies Record<StatusOutcome['detailType'], AppointmentStatus>;

/**
 * The completion worker's step: apply a country's decision to the appointment once,
 * however often it arrives, then announce the stored status to subscribers and on the bus. A repeated
 * decision announces it again (the first announcement may be what failed), so every
 * stored change is published at least once and never before it is stored. A decision
 * that arrives after the appointment was cancelled is dropped: cancellation wins. A move's decision
 * settles the appointment's pending move (moved, or kept where it was) and is announced the same way.
 */
export async function applyCountryOutcome(outcome: CountryOutcome, ports: ApplyCountryOutcomePorts): Promise<void> {
  if (outcome.detailType === 'AppointmentRescheduled' || outcome.detailType === 'AppointmentRescheduleRefused') {
    return applyMoveOutcome(outcome, ports);
  }
  const { appointments, logger, metrics, now = () => new Date() } = ports;
  const { detail } = outcome;
  const target = statusAfter[outcome.detailType];
  const rejectionReason: RejectionReason | undefined =
    outcome.detailType === 'AppointmentRejected' ? outcome.detail.rejectionReason : undefined;
  // A booking is scheduled at the slot its row names: one its move took it to is the move's to settle.
  const scheduleId = target === AppointmentStatus.COMPLETED ? detail.scheduleId : undefined;
  const { outcome: result, appointment } = await appointments.changeStatus(detail, { target, at: now(), rejectionReason, scheduleId });
  const logKeys = { appointmentId: detail.appointmentId, correlationId: detail.correlationId, status: appointment.status };
  if (result === 'elsewhere') {
    logger.info(
      `${outcome.detailType} of slot ${detail.scheduleId} arrived for an appointment at slot ${appointment.scheduleId}; its move settles it`,
      logKeys,
    );
    return;
  }
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
  await announce(appointment, null, detail.correlationId, ports);
}

/** A move's decision: settled once, announced on every delivery; one that is no longer the appointment's pending move is dropped. */
async function applyMoveOutcome(outcome: MoveOutcome, ports: ApplyCountryOutcomePorts): Promise<void> {
  const { appointments, logger, now = () => new Date() } = ports;
  const detail: AppointmentRescheduled | AppointmentRescheduleRefused = outcome.detail;
  const moved = outcome.detailType === 'AppointmentRescheduled';
  const refusalReason = outcome.detailType === 'AppointmentRescheduleRefused' ? outcome.detail.rejectionReason : undefined;
  const settled = await appointments.settleMove(detail, {
    moveId: detail.moveId,
    outcome: moved ? 'MOVED' : 'REFUSED',
    at: now(),
    refusalReason,
  });
  const logKeys = { appointmentId: detail.appointmentId, correlationId: detail.correlationId, moveId: detail.moveId };
  if (settled.outcome === 'stale') {
    logger.info(`${outcome.detailType} is not the appointment's pending move (${settled.appointment.status}); nothing to change`, logKeys);
    return;
  }
  logger.info(
    settled.outcome === 'changed' ? `Move ${settled.result.outcome}` : `Move was already ${settled.result.outcome}; announcing it again`,
    { ...logKeys, scheduleId: settled.appointment.scheduleId },
  );
  await announce(settled.appointment, settled.result, detail.correlationId, ports);
}

/**
 * All at once: none waits for another, and a failure of any retries the record, which announces them all again
 * (the reminder's schedule is made or removed again, harmlessly).
 */
async function announce(
  appointment: Appointment,
  reschedule: RescheduleResult | null,
  correlationId: string,
  ports: ApplyCountryOutcomePorts,
): Promise<void> {
  const { subscribers, eventBus, logger, metrics } = ports;
  const { appointmentId, insuredId, scheduleId, countryISO, updatedAt, status } = appointment;
  const change = {
    appointmentId,
    insuredId,
    scheduleId,
    countryISO,
    status,
    rejectionReason: appointment.rejectionReason ?? null,
    updatedAt,
    slot: appointment.slot ?? null,
    reschedule,
  };
  const logKeys = { appointmentId, correlationId, status };
  await Promise.all([
    subscribers.publish(change).then(() => {
      logger.info('Status change published to subscribers', logKeys);
      metrics.statusChangePublished(countryISO);
    }),
    eventBus.announce({ ...change, correlationId }).then(() => logger.info('Status change announced on the event bus', logKeys)),
    keepItsReminder(appointment, correlationId, ports),
  ]);
}

/**
 * A COMPLETED appointment gets its reminder at its (new) slot's time; a cancelled one, or one moved inside the
 * lead, loses the one it had. Rejected and PENDING appointments never had one.
 */
async function keepItsReminder(appointment: Appointment, correlationId: string, ports: ApplyCountryOutcomePorts): Promise<void> {
  const { reminders, reminderLeadMinutes, logger, now = () => new Date() } = ports;
  const { appointmentId, insuredId, status } = appointment;
  const reminder = reminderOf(appointment, reminderLeadMinutes, now());
  if (reminder) {
    await reminders.schedule({ appointmentId, insuredId, correlationId, ...reminder });
    logger.info('Reminder scheduled', { appointmentId, correlationId, at: reminder.at.toISOString() });
  } else if (status === AppointmentStatus.CANCELLED || status === AppointmentStatus.COMPLETED) {
    await reminders.remove(appointmentId);
  }
}
