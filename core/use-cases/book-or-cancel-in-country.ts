import { RejectionReason } from '../domain/appointment';
import { WrongCountryError } from '../domain/errors';
import type { CountryMessage, CountryOutcome, CountrySlotStatus } from '../messages/appointment-messages';
import type { CountryAppointmentStore, CountryOutcomePublisher, CountrySlotCatalog, SlotAvailabilityBus, StructuredLogger } from '../ports';
import { announceSlotAfterChange } from './manage-slots-in-country';

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
 * The country worker's step: apply a booking or a cancellation to the country's database,
 * then announce the appointment's slot status as the database now holds it. Safe to repeat,
 * and in any order: the row decides, so a redelivered booking announces the same decision
 * and a booking that arrives after its cancellation announces the cancellation. The slot's new state
 * (taken, or free again) goes to the read model beside the decision.
 */
export async function bookOrCancelInCountry(message: CountryMessage, ports: BookOrCancelInCountryPorts): Promise<void> {
  const { countryAppointments, outcomes, logger, now = () => new Date() } = ports;
  if (message.countryISO !== countryAppointments.countryISO) {
    throw new WrongCountryError(
      `Appointment ${message.appointmentId} is for ${message.countryISO}, but this worker schedules ${countryAppointments.countryISO}`,
    );
  }
  const slotStatus =
    message.type === 'AppointmentCancellationRequested'
      ? await countryAppointments.cancel(message)
      : await countryAppointments.book(message);
  const outcome = outcomeOf(message, slotStatus, now());
  // Announced again on a redelivery, with a newer version: the read model then holds the same state.
  await Promise.all([outcomes.publish(outcome), announceSlotAfterChange(message.scheduleId, message.correlationId, ports)]);
  logger.info(`Country announced ${outcome.detailType}`, {
    appointmentId: message.appointmentId,
    correlationId: message.correlationId,
    countryISO: message.countryISO,
    slotStatus,
  });
}

function outcomeOf(message: CountryMessage, slotStatus: CountrySlotStatus, at: Date): CountryOutcome {
  const { appointmentId, insuredId, scheduleId, countryISO, correlationId } = message;
  const fields = { appointmentId, insuredId, scheduleId, countryISO, correlationId };
  switch (slotStatus) {
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
