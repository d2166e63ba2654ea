import type { CountryISO } from '../domain/appointment';
import type { SlotAvailability } from '../domain/slots';

/** A slot as its country's database holds it now, and when it last changed there (a publication, booking, cancellation or withdrawal). */
export interface CountrySlotState {
  readonly countryISO: CountryISO;
  readonly scheduleId: number;
  readonly availability: SlotAvailability;
  readonly version: number;
  readonly changedAt: Date;
}

/** A slot as the read model holds it. */
export interface ReadModelSlotState {
  readonly countryISO: CountryISO;
  readonly scheduleId: number;
  readonly availability: SlotAvailability;
  readonly version: number;
}

export interface SlotReconciliationPorts {
  /** Every slot of the read model (a Scan). */
  readonly readModelSlots: () => AsyncIterable<ReadModelSlotState> | Iterable<ReadModelSlotState>;
  /** Every slot of every country's catalog. */
  readonly countrySlots: () => AsyncIterable<CountrySlotState> | Iterable<CountrySlotState>;
}

/**
 * How the read model differs from the country: `missing` (it never stored the slot), `availability` (it shows the
 * slot free, taken or withdrawn when the country does not: what apps see is wrong), `version` (the same availability
 * but an older version: it missed changes that cancelled out, so a later snapshot may still be missing).
 */
export type SlotDriftReason = 'missing' | 'availability' | 'version';

/** A slot whose read model state differs from its country's, though the country's last change is older than the threshold. */
export interface SlotDrift {
  readonly countryISO: CountryISO;
  readonly scheduleId: number;
  readonly reason: SlotDriftReason;
  readonly country: { readonly availability: SlotAvailability; readonly version: number; readonly changedAt: Date };
  readonly readModel: { readonly availability: SlotAvailability; readonly version: number } | 'MISSING';
}

export interface SlotReconciliation {
  /** Slots of the read model and of the country catalogs compared. */
  readonly readModelSlotsChecked: number;
  readonly countrySlotsChecked: number;
  readonly slotsDrifting: SlotDrift[];
}

/**
 * Compares the read model with every country's catalog, slot by slot, judging only slots whose last change in their
 * country is older than `cutoff` (epoch ms): a younger change may still be on its way through the pipeline.
 *
 * The read model is read first, whole, then the catalogs. A version only grows, and in the country first, so a slot
 * read from the model before its country can never show a newer version than the country's: any difference found is
 * either the model lagging (judged by the country's change time) or the model holding what the country never said.
 * Reading the catalogs first instead would let a change made between the two reads look like drift.
 *
 * Memory: the read model's slots are held in a map (a number and a state per slot: a few MB for the demo catalog's
 * ~24,000 slots, which reading whole every few minutes costs little); the catalogs are streamed (their adapter reads
 * pages) and only the drifting slots are kept.
 */
export async function reconcileSlotReadModel(cutoff: number, ports: SlotReconciliationPorts): Promise<SlotReconciliation> {
  const model = new Map<CountryISO, Map<number, { availability: SlotAvailability; version: number }>>();
  let readModelSlotsChecked = 0;
  for await (const slot of ports.readModelSlots()) {
    readModelSlotsChecked++;
    const ofCountry = model.get(slot.countryISO) ?? new Map<number, { availability: SlotAvailability; version: number }>();
    model.set(slot.countryISO, ofCountry);
    ofCountry.set(slot.scheduleId, { availability: slot.availability, version: slot.version });
  }
  let countrySlotsChecked = 0;
  const slotsDrifting: SlotDrift[] = [];
  for await (const slot of ports.countrySlots()) {
    countrySlotsChecked++;
    if (slot.changedAt.getTime() >= cutoff) continue;
    const held = model.get(slot.countryISO)?.get(slot.scheduleId);
    const reason: SlotDriftReason | undefined = !held
      ? 'missing'
      : held.availability !== slot.availability
        ? 'availability'
        : held.version < slot.version
          ? 'version'
          : undefined;
    if (!reason) continue;
    const { countryISO, scheduleId, availability, version, changedAt } = slot;
    slotsDrifting.push({
      countryISO,
      scheduleId,
      reason,
      country: { availability, version, changedAt },
      readModel: held ? { ...held } : 'MISSING',
    });
  }
  return { readModelSlotsChecked, countrySlotsChecked, slotsDrifting };
}
