import { RejectionReason } from '../domain/appointment';
import { WrongCountryError } from '../domain/errors';
import type { AppointmentRescheduleRequested, CountryMessage, CountryOutcome, CountryRow } from '../messages/appointment-messages';
import type { CountryAppointmentStore, CountryOutcomePublisher, CountrySlotCatalog, SlotAvailabilityBus, StructuredLogger } from '../ports';
import type { SlotSnapshot } from '../domain/slots';
import { announceSlots } from './manage-slots-in-country';

export interface BookOrCancelInCountryPorts {
  readonly countryAppointments: CountryAppointmentStore;
  readonly outcomes: CountryOutcomePublisher;
  /** The country's catalog, whose slot the booking or cancellation changed, and where its new state is announced. */
  readonly slots: CountrySlotCatalog;
  readonly availability: SlotAvailabilityBus;
  readonly logger: StructuredLogger;
  readonly now?: () => Date;
}

/**
 * The country worker's step: apply a booking, a cancellation or a move to the country's database, then announce
 * the appointment's slot status as the database now holds it. Safe to repeat, and in any order: the row decides,
 * so a redelivered booking announces the same decision, a booking that arrives after its cancellation announces
 * the cancellation, and a move that overtook its booking leaves the booking to find the row at the new slot. The
 * state of each slot the change touched (taken, or free again) goes to the read model beside the decision.
 */
export async function bookOrCancelInCountry(message: CountryMessage, ports: BookOrCancelInCountryPorts): Promise<void> {
  const { countryAppointments, outcomes, logger, now = () => new Date() } = ports;
  if (message.countryISO !== countryAppointments.countryISO) {
    throw new WrongCountryError(
      `Appointment ${message.appointmentId} is for ${message.countryISO}, but this worker schedules ${countryAppointments.countryISO}`,
    );
  }
  const { outcome, changedSlots } = await decide(message, ports, now());
  // Announced again on a redelivery, with a newer version: the read model then holds the same state.
  await Promise.all([outcomes.publish(outcome), announceSlots(changedSlots, message.correlationId, ports)]);
  logger.info(`Country announced ${outcome.detailType}`, {
    appointmentId: message.appointmentId,
    correlationId: message.correlationId,
    countryISO: message.countryISO,
    scheduleId: outcome.detail.scheduleId,
  });
}

/** The decision to announce, and the slots whose state may have changed with it (their versions bumped after it). */
async function decide(
  message: CountryMessage,
  ports: Pick<BookOrCancelInCountryPorts, 'countryAppointments' | 'slots'>,
  at: Date,
): Promise<{ outcome: CountryOutcome; changedSlots: readonly SlotSnapshot[] }> {
  const store = ports.countryAppointments;
  if (message.type === 'AppointmentRescheduleRequested') {
    const { outcome, touchedSlots } = await decideMove(message, store, at);
    const touched = await Promise.all(touchedSlots.map((scheduleId) => ports.slots.touch(scheduleId)));
    return { outcome, changedSlots: touched.filter((slot) => slot !== undefined) };
  }
  // The store bumps and reads the slots in the booking's own round trip: the one the message names and, for a
  // cancelled row that had moved, the new one it frees.
  const { row, slots } = message.type === 'AppointmentCancellationRequested' ? await store.cancel(message) : await store.book(message);
  return { outcome: outcomeOf(message, row, at), changedSlots: slots };
}

async function decideMove(
  move: AppointmentRescheduleRequested,
  store: CountryAppointmentStore,
  at: Date,
): Promise<{ outcome: CountryOutcome; touchedSlots: number[] }> {
  const result = await store.move(move);
  const { appointmentId, insuredId, countryISO, correlationId, moveId } = move;
  const fields = { appointmentId, insuredId, countryISO, correlationId, moveId };
  switch (result.outcome) {
    case 'MOVED':
      return {
        outcome: {
          detailType: 'AppointmentRescheduled',
          detail: { ...fields, scheduleId: move.toScheduleId, fromScheduleId: move.scheduleId, rescheduledAt: at.toISOString() },
        },
        touchedSlots: [move.scheduleId, move.toScheduleId],
      };
    case 'REFUSED':
      return {
        outcome: {
          detailType: 'AppointmentRescheduleRefused',
          detail: {
            ...fields,
            scheduleId: result.row?.scheduleId ?? move.scheduleId,
            toScheduleId: move.toScheduleId,
            refusedAt: at.toISOString(),
            rejectionReason: RejectionReason.SLOT_TAKEN,
          },
        },
        touchedSlots: [],
      };
    case 'INACTIVE':
      // Cancelled or rejected before the move arrived: nothing to move; the row's own decision is announced again.
      return { outcome: outcomeOf(move, result.row, at), touchedSlots: [] };
  }
}

function outcomeOf(message: CountryMessage, row: CountryRow, at: Date): CountryOutcome {
  const { appointmentId, insuredId, countryISO, correlationId } = message;
  const fields = { appointmentId, insuredId, scheduleId: row.scheduleId, countryISO, correlationId };
  switch (row.status) {
    // An overbooked row was scheduled before slots were enforced: the appointment stays COMPLETED and reconcile reports the clash.
    case 'SCHEDULED':
    case 'OVERBOOKED':
      return { detailType: 'AppointmentScheduled', detail: { ...fields, scheduledAt: at.toISOString() } };
    case 'REJECTED':
      return {
        detailType: 'AppointmentRejected',
        detail: { ...fields, rejectedAt: at.toISOString(), rejectionReason: RejectionReason.SLOT_TAKEN },
      };
    case 'CANCELLED':
      return { detailType: 'AppointmentCancelled', detail: { ...fields, cancelledAt: at.toISOString() } };
  }
}
