import { WrongCountryError } from '../domain/errors';
import type { SlotSnapshot } from '../domain/slots';
import type { SlotMessage } from '../messages/slot-messages';
import type { CountrySlotCatalog, SlotAvailabilityBus, StructuredLogger } from '../ports';

export interface ManageSlotsInCountryPorts {
  readonly slots: CountrySlotCatalog;
  readonly availability: SlotAvailabilityBus;
  readonly logger: StructuredLogger;
}

/**
 * The country worker's catalog step: store a publication's new slots, or withdraw a slot unless a booking
 * holds it, then announce each slot as the database holds it now. Safe to repeat: a publication stores
 * nothing twice and its announcements carry the same versions, which the read model keeps once.
 */
export async function manageSlotsInCountry(message: SlotMessage, ports: ManageSlotsInCountryPorts): Promise<void> {
  const { slots, logger } = ports;
  if (message.countryISO !== slots.countryISO) {
    throw new WrongCountryError(`A catalog change for ${message.countryISO} reached the worker of ${slots.countryISO}`);
  }
  if (message.type === 'SlotPublicationRequested') {
    const stored = await slots.publish(message.publication);
    await announceSlots(stored, message.correlationId, ports);
    logger.info('Country stored a slot publication', {
      publicationId: message.publicationId,
      correlationId: message.correlationId,
      countryISO: message.countryISO,
      slotCount: stored.length,
    });
    return;
  }
  const withdrawal = await slots.withdraw(message.scheduleId);
  if (withdrawal.slot) await announceSlots([withdrawal.slot], message.correlationId, ports);
  // `held`: a booking won the race with the withdrawal; the slot stays, and so does the appointment.
  logger.info(`Country answered a slot withdrawal: ${withdrawal.outcome}`, {
    scheduleId: message.scheduleId,
    correlationId: message.correlationId,
    countryISO: message.countryISO,
  });
}

/**
 * Slots announced at once, at most: a publication of a thousand slots is a hundred PutEvents calls, and a batch
 * of ten such messages fired all together would outrun the worker's timeout and EventBridge's rate.
 */
const ANNOUNCED_AT_ONCE = 50;

/** Each slot's state on the bus, for the read model, a group at a time. */
export async function announceSlots(
  slots: readonly SlotSnapshot[],
  correlationId: string,
  { availability }: Pick<ManageSlotsInCountryPorts, 'availability'>,
) {
  for (let first = 0; first < slots.length; first += ANNOUNCED_AT_ONCE) {
    const group = slots.slice(first, first + ANNOUNCED_AT_ONCE);
    await Promise.all(group.map((slot) => availability.announce({ ...slot, correlationId })));
  }
}
