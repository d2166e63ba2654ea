import type { SlotAvailabilityChanged } from '../messages/slot-messages';
import type { SlotReadModel, StructuredLogger } from '../ports';

/**
 * The projector's step: keep the slot's newest state in the read model. An older or repeated state
 * (a redelivery, or events that overtook each other) is dropped by the model's version check.
 */
export async function projectSlotAvailability(
  change: SlotAvailabilityChanged,
  ports: { readonly slots: SlotReadModel; readonly logger: StructuredLogger },
): Promise<void> {
  const { correlationId, ...slot } = change;
  const outcome = await ports.slots.apply(slot);
  const keys = { scheduleId: slot.scheduleId, countryISO: slot.countryISO, correlationId, version: slot.version };
  if (outcome === 'stale') ports.logger.info('Slot state already superseded in the read model; dropped', keys);
  else ports.logger.info(`Slot is ${slot.availability} in the read model`, { ...keys, availability: slot.availability });
}
