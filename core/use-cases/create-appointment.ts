import { monotonicFactory } from 'ulid';
import {
  AppointmentStatus,
  type CreateAppointmentInput,
  holdsItsSlot,
  pendingAppointment,
  validateCreateAppointmentInput,
  type Appointment,
} from '../domain/appointment';
import { authorizeFor, type Caller } from '../domain/caller';
import { asError, SchedulingUnavailableError, ValidationError } from '../domain/errors';
import { isCheckSlot } from '../domain/reserved-check-slots';
import type { AppointmentRequested } from '../messages/appointment-messages';
import type { PipelineMetrics } from '../observability/metrics';
import type { AppointmentRepository, CountryMessagePublisher, SlotReadModel, StructuredLogger } from '../ports';
import { slotAnswer } from './slot-answers';

export interface CreateAppointmentPorts {
  readonly appointments: AppointmentRepository;
  readonly requests: CountryMessagePublisher;
  /** The catalog as apps browse it: a booking names one of its slots. */
  readonly slots: Pick<SlotReadModel, 'get'>;
  readonly logger: StructuredLogger;
  readonly metrics: Pick<PipelineMetrics, 'bookingAccepted' | 'bookingRefused'>;
  readonly now?: () => Date;
  readonly newAppointmentId?: () => string;
}

// Monotonic, so two appointments created in the same millisecond still sort in creation order.
const nextUlid = monotonicFactory();

/** How often a booking may find a stale claim replaced under it by a concurrent request before giving up. */
const MAX_CLAIM_ATTEMPTS = 5;

/**
 * Stores the appointment as PENDING and hands it to its country's pipeline, if the
 * caller may book for that insured person (a refused request stores and sends nothing).
 * The same booking sent again (a client's retry, or two identical requests racing)
 * answers with the one appointment that holds the slot claim.
 * If the hand-off fails the pending item is removed, so no appointment waits
 * forever for a pipeline that never heard of it, and the client is told to retry.
 */
export async function createAppointment(
  input: unknown,
  caller: Caller,
  correlationId: string,
  ports: CreateAppointmentPorts,
): Promise<Appointment> {
  try {
    return await book(input, caller, correlationId, ports);
  } catch (error) {
    // Refused, whatever the reason: the errorType the client got is what operators count.
    ports.metrics.bookingRefused(asError(error).name);
    throw error;
  }
}

async function book(input: unknown, caller: Caller, correlationId: string, ports: CreateAppointmentPorts): Promise<Appointment> {
  const { appointments, logger, metrics, now = () => new Date(), newAppointmentId = () => nextUlid() } = ports;
  const valid = validateCreateAppointmentInput(input);
  authorizeFor(caller, valid.insuredId, 'book');
  const at = now();
  const slot = await slotOf(valid, ports.slots, at);
  const appointment = pendingAppointment(valid, newAppointmentId(), at, slot);
  const logKeys = { appointmentId: appointment.appointmentId, correlationId, countryISO: appointment.countryISO };

  // Stored before its claim: whoever finds a claim can always read the appointment behind it.
  await appointments.create(appointment);
  const earlier = await claimSlotOrFindHolder(appointment, appointments);
  if (earlier) return answerWithEarlierBooking(appointment, earlier, correlationId, ports);
  await handOff(appointment, correlationId, ports);
  logger.info('Appointment accepted as PENDING', logKeys);
  metrics.bookingAccepted(appointment.countryISO);
  return appointment;
}

/**
 * The slot being booked, as the catalog has it: refused at once (nothing stored, nothing sent) when the country's
 * catalog lacks it or it has begun. A slot the read model shows taken is accepted: the country decides (SLOT_TAKEN),
 * and the same person's retry must still find their booking. Deployment checks book slots of their own, outside it.
 */
async function slotOf(booking: CreateAppointmentInput, slots: Pick<SlotReadModel, 'get'>, now: Date): Promise<Appointment['slot']> {
  if (isCheckSlot(booking.scheduleId)) return null;
  const slot = await slots.get(booking.countryISO, booking.scheduleId);
  if (!slot || slot.availability === 'WITHDRAWN') {
    throw new ValidationError([
      `scheduleId ${booking.scheduleId} is not a slot of ${booking.countryISO}'s catalog: choose one from availableSlots`,
    ]);
  }
  if (Date.parse(slot.startsAt) <= now.getTime()) {
    throw new ValidationError([`Slot ${booking.scheduleId} started at ${slotAnswer(slot).startsAt}: choose a slot that has not begun`]);
  }
  return slotAnswer(slot);
}

/** The appointment that already holds this insured person's claim on the slot, or undefined once `appointment` holds it. */
async function claimSlotOrFindHolder(appointment: Appointment, appointments: AppointmentRepository): Promise<Appointment | undefined> {
  let replacing: string | undefined;
  for (let attempt = 0; attempt < MAX_CLAIM_ATTEMPTS; attempt++) {
    const claim = await appointments.claimSlot(appointment, replacing);
    if (claim.claimed) return undefined;
    replacing = claim.holder;
    if (replacing === undefined) continue;
    const holder = await appointments.get({ insuredId: appointment.insuredId, appointmentId: replacing });
    if (
      holder &&
      holdsItsSlot(holder.status) &&
      holder.scheduleId === appointment.scheduleId &&
      (await keptToAnswer(holder, appointments))
    ) {
      return holder;
    }
    // The holder was rejected, cancelled, discarded or moved to another slot: the claim is stale and this booking may take it.
  }
  await appointments.discardPending(appointment);
  throw new SchedulingUnavailableError('The slot is being booked by another request of yours at this moment. Please try again.');
}

/**
 * A PENDING holder is kept before it is answered: a racing request that made it may be failing its hand-off and
 * about to discard it. False: it was discarded meanwhile.
 */
async function keptToAnswer(holder: Appointment, appointments: AppointmentRepository): Promise<boolean> {
  return holder.status !== AppointmentStatus.PENDING || appointments.keepAnswered(holder);
}

/**
 * A retry: the new appointment, never published, is removed and the earlier one answered.
 * A PENDING one is sent to its country again (harmless: countries book by appointmentId),
 * so a request cut off between storing and handing off is healed by the client's retry.
 * If that send fails, the retry is refused "try again": the earlier one may be a racing request's
 * whose own send failed too, and answering with it would promise a booking nobody sent.
 */
async function answerWithEarlierBooking(
  duplicate: Appointment,
  earlier: Appointment,
  correlationId: string,
  { appointments, requests, logger }: CreateAppointmentPorts,
): Promise<Appointment> {
  await appointments.discardPending(duplicate);
  const logKeys = {
    appointmentId: earlier.appointmentId,
    correlationId,
    countryISO: earlier.countryISO,
    discardedDuplicate: duplicate.appointmentId,
  };
  logger.info(`The same booking is already ${earlier.status}; answering with it`, logKeys);
  if (earlier.status === AppointmentStatus.PENDING) {
    try {
      await requests.publish(requestOf(earlier, correlationId));
    } catch (error) {
      logger.error('The earlier PENDING appointment could not be sent to its country again', { ...logKeys, error: asError(error) });
      throw new SchedulingUnavailableError(SAVED_NOT_SENT);
    }
  }
  return earlier;
}

async function handOff(appointment: Appointment, correlationId: string, ports: CreateAppointmentPorts): Promise<void> {
  const { appointments, requests, logger } = ports;
  const logKeys = { appointmentId: appointment.appointmentId, correlationId, countryISO: appointment.countryISO };
  try {
    await requests.publish(requestOf(appointment, correlationId));
  } catch (publishError) {
    logger.error('Appointment request could not be published; discarding the pending appointment', {
      ...logKeys,
      error: asError(publishError),
    });
    let discarded: boolean;
    try {
      discarded = await appointments.discardPending(appointment);
    } catch (discardError) {
      // Left PENDING: `npm run reconcile` lists it, and this line says which one.
      logger.error('Pending appointment could not be discarded after a failed publish', { ...logKeys, error: asError(discardError) });
      throw new SchedulingUnavailableError(
        'The appointment could not be sent for scheduling. Please try again; if it shows as PENDING, it will not be completed.',
      );
    }
    if (!discarded) {
      // A racing request of the same booking answered with it: kept, with its claim, for the retry to send.
      logger.warn('Pending appointment kept after a failed publish: another request answered with it', logKeys);
      throw new SchedulingUnavailableError(SAVED_NOT_SENT);
    }
    await releaseClaimOf(appointment, logKeys, ports);
    throw new SchedulingUnavailableError('The appointment could not be sent for scheduling and was not saved. Please try again.');
  }
}

const SAVED_NOT_SENT = 'The appointment is saved as PENDING but could not be sent for scheduling. Please try the same booking again.';

/** After a discard: a claim left behind is stale, and the next booking of the slot replaces it. */
async function releaseClaimOf(appointment: Appointment, logKeys: object, { appointments, logger }: CreateAppointmentPorts): Promise<void> {
  try {
    await appointments.releaseSlotClaim(appointment);
  } catch (error) {
    logger.warn('The slot claim of a discarded appointment could not be released; the next booking replaces it', {
      ...logKeys,
      error: asError(error),
    });
  }
}

function requestOf(appointment: Appointment, correlationId: string): AppointmentRequested {
  const { appointmentId, insuredId, scheduleId, countryISO, createdAt } = appointment;
  return { type: 'AppointmentRequested', appointmentId, insuredId, scheduleId, countryISO, createdAt, correlationId };
}
