import { monotonicFactory } from 'ulid';
import { holdsItsSlot, validateRescheduleArgs, type Appointment, type RescheduleRequest } from '../domain/appointment';
import { authorizeFor, type Caller } from '../domain/caller';
import { countries } from '../domain/countries';
import {
  AppointmentNotFoundError,
  AppointmentNotReschedulableError,
  asError,
  RescheduleInProgressError,
  SchedulingUnavailableError,
  ValidationError,
} from '../domain/errors';
import { authorizeNoticeOverride, checkChangeTime } from '../domain/late-changes';
import type { PendingReschedule, Slot } from '../graphql/types.generated';
import type { AppointmentRepository, CountryMessagePublisher, SlotReadModel, StructuredLogger } from '../ports';
import { slotAnswer } from './slot-answers';

export interface RescheduleAppointmentPorts {
  readonly appointments: AppointmentRepository;
  readonly requests: CountryMessagePublisher;
  /** The catalog as apps browse it: a move names one of its slots. */
  readonly slots: Pick<SlotReadModel, 'get'>;
  readonly logger: StructuredLogger;
  readonly now?: () => Date;
  readonly newMoveId?: () => string;
}

// Monotonic: moves of one appointment are made one at a time, and the country keeps only a move newer than its last.
const nextUlid = monotonicFactory();

/**
 * Records the move as the appointment's pending reschedule and asks its country to make it: the country takes the
 * new slot and frees the old one at once, or refuses and nothing changes (applyCountryOutcome settles either). The
 * appointment keeps its id, status and slot until then. One move at a time; the same move asked again is sent again,
 * so a move whose hand-off failed is healed by a retry. Its country's rules for late changes are checked first.
 */
export async function rescheduleAppointment(
  args: unknown,
  caller: Caller,
  correlationId: string,
  ports: RescheduleAppointmentPorts,
): Promise<Appointment> {
  const { appointments, logger, now = () => new Date(), newMoveId = () => nextUlid() } = ports;
  const request = validateRescheduleArgs(args);
  authorizeFor(caller, request.key.insuredId, 'reschedule');
  authorizeNoticeOverride(caller, request.overrideNotice);
  const at = now();
  const stored = await appointments.get(request.key);
  if (!stored) {
    throw new AppointmentNotFoundError(`Appointment ${request.key.appointmentId} of insured ${request.key.insuredId} does not exist`);
  }
  const asked = pendingMoveTo(stored, request);
  if (asked) return sendMove(stored, asked, correlationId, ports);
  const override = checkChangeTime('reschedule', stored, caller, request.overrideNotice, at);
  const to = await slotToMoveTo(stored, request.scheduleId, ports.slots, at);
  const move: PendingReschedule = { moveId: newMoveId(), to, requestedAt: at.toISOString() };
  const { requested, appointment } = await appointments.requestMove(request.key, move, stored.scheduleId);
  // Another request changed the appointment between the read and the write: judged again as it is now.
  if (!requested) return sendMove(appointment, pendingMoveTo(appointment, request) ?? refuse(appointment), correlationId, ports);
  if (override) {
    logger.warn("Moved inside its country's notice period: overridden by staff", {
      appointmentId: stored.appointmentId,
      correlationId,
      moveId: move.moveId,
      overriddenBy: override.overriddenBy,
    });
  }
  return sendMove(appointment, move, correlationId, ports);
}

/**
 * The move already pending to the slot asked for (a retry: sent again), or undefined when a new move may be
 * recorded. Throws when the appointment cannot move there: another country, not holding a slot, already there,
 * or another move still being decided.
 */
function pendingMoveTo(appointment: Appointment, request: RescheduleRequest): PendingReschedule | undefined {
  const { appointmentId, countryISO, status, pendingReschedule } = appointment;
  if (request.countryISO && request.countryISO !== countryISO) {
    throw new ValidationError([
      `Appointment ${appointmentId} is in ${countries[countryISO].name} and cannot move to a slot of ${countries[request.countryISO].name}: ` +
        'cancel it and book a slot there instead',
    ]);
  }
  if (!holdsItsSlot(status)) {
    throw new AppointmentNotReschedulableError(
      `Appointment ${appointmentId} is ${status} and cannot be moved: only PENDING or COMPLETED appointments can.`,
    );
  }
  if (pendingReschedule?.to.scheduleId === request.scheduleId) return pendingReschedule;
  if (pendingReschedule) {
    throw new RescheduleInProgressError(
      `Appointment ${appointmentId} is already being moved to slot ${pendingReschedule.to.scheduleId}: ` +
        'wait for its answer on onAppointmentStatusChanged (or in appointments), then ask again.',
    );
  }
  if (appointment.scheduleId === request.scheduleId) {
    throw new ValidationError([`Appointment ${appointmentId} already holds slot ${request.scheduleId}: choose another slot`]);
  }
  return undefined;
}

/** Reached when a concurrent change left nothing pending to this slot yet allowed none: ask the client to try again. */
function refuse(appointment: Appointment): never {
  throw new RescheduleInProgressError(
    `Appointment ${appointment.appointmentId} changed while this move was being recorded: read it again and ask again.`,
  );
}

/** The slot asked for, as the catalog has it: of the appointment's country, in the catalog, and not begun. */
async function slotToMoveTo(appointment: Appointment, scheduleId: number, slots: Pick<SlotReadModel, 'get'>, now: Date): Promise<Slot> {
  const slot = await slots.get(appointment.countryISO, scheduleId);
  if (!slot || slot.availability === 'WITHDRAWN') {
    throw new ValidationError([
      `scheduleId ${scheduleId} is not a slot of ${appointment.countryISO}'s catalog: choose one from availableSlots`,
    ]);
  }
  if (Date.parse(slot.startsAt) <= now.getTime()) {
    throw new ValidationError([`Slot ${scheduleId} started at ${slotAnswer(slot).startsAt}: choose a slot that has not begun`]);
  }
  // A slot the read model shows taken is still asked for: the country decides, and a refusal is heard (SLOT_TAKEN).
  return slotAnswer(slot);
}

async function sendMove(
  appointment: Appointment,
  move: PendingReschedule,
  correlationId: string,
  { requests, logger }: RescheduleAppointmentPorts,
): Promise<Appointment> {
  const { appointmentId, insuredId, scheduleId, countryISO } = appointment;
  const logKeys = { appointmentId, correlationId, countryISO, moveId: move.moveId };
  try {
    await requests.publish({
      type: 'AppointmentRescheduleRequested',
      appointmentId,
      insuredId,
      scheduleId,
      countryISO,
      toScheduleId: move.to.scheduleId,
      moveId: move.moveId,
      requestedAt: move.requestedAt,
      correlationId,
    });
  } catch (error) {
    // Pending, and the same request sends it again; a cancellation drops it.
    logger.error('Move could not be sent to the country; it stays pending until asked again', { ...logKeys, error: asError(error) });
    throw new SchedulingUnavailableError(
      `The move to slot ${move.to.scheduleId} could not be sent for scheduling; the appointment keeps its slot. Please ask for the same slot again.`,
    );
  }
  logger.info(`Move to slot ${move.to.scheduleId} asked of the country`, logKeys);
  return appointment;
}
