import { countries } from '../domain/countries';
import type { SlotSnapshot } from '../domain/slots';
import { zonedDateTime } from '../domain/zoned-time';
import type { SlotAvailabilityChange } from '../graphql/types.generated';
import type { SlotAvailabilityChanged } from '../messages/slot-messages';
import type { SlotAvailabilitySubscribers, SlotReadModel, StructuredLogger } from '../ports';

/**
 * The projector's step: keep the slot's newest state in the read model, then push it to the availability
 * subscribers. An older or repeated state (a redelivery, or events that overtook each other) is dropped by the
 * model's version check.
 *
 * Pushed when the model now holds this very version: just applied, or `unchanged` (a redelivery of the state it
 * holds). The redelivery's push is what a crash between apply and publish, or a publish AppSync refused, left
 * undone: without it an open view would miss that change until it reloaded. Subscribers may hear a version twice,
 * which changes nothing for them. A `stale` state is never pushed: a newer one is held, and was (or will be) pushed
 * by its own event. Projectors run side by side, so pushes of one slot may still arrive out of order; the schema
 * tells clients to keep each slot's highest version, and to read availableSlots again after reconnecting.
 */
export async function projectSlotAvailability(
  change: SlotAvailabilityChanged,
  ports: { readonly slots: SlotReadModel; readonly subscribers: SlotAvailabilitySubscribers; readonly logger: StructuredLogger },
): Promise<void> {
  const { correlationId, ...slot } = change;
  const outcome = await ports.slots.apply(slot);
  const keys = { scheduleId: slot.scheduleId, countryISO: slot.countryISO, correlationId, version: slot.version };
  if (outcome === 'stale') {
    ports.logger.info('Slot state already superseded in the read model; dropped', keys);
    return;
  }
  if (outcome === 'unchanged') ports.logger.info('Slot state already in the read model; pushed to the subscribers again', keys);
  else ports.logger.info(`Slot is ${slot.availability} in the read model`, { ...keys, availability: slot.availability });
  // A failed push fails the record: SQS delivers it again, and the model answers `unchanged` then.
  await ports.subscribers.publish(availabilityChangeOf(slot));
}

/** What availability subscribers hear of a slot: its start in the centre's own zone, and the ids an app's view filters on. */
export function availabilityChangeOf(slot: SlotSnapshot): SlotAvailabilityChange {
  return {
    countryISO: slot.countryISO,
    specialtyId: slot.specialty.specialtyId,
    scheduleId: slot.scheduleId,
    availability: slot.availability,
    startsAt: zonedDateTime(slot.startsAt, countries[slot.countryISO].timeZone),
    centreId: slot.centre.centreId,
    doctorId: slot.doctor.doctorId,
    version: slot.version,
  };
}
