import type { SlotReadModel } from '../../core/ports';
import type { CatalogCentre, SlotPublication, SlotSnapshot } from '../../core/domain/slots';
import type { CountryISO } from '../../core/graphql/types.generated';
import { ulid } from './country-messages';

/** Each country's own centre attributes (core/domain/countries.ts `centreAttributes`). */
const centreAttributes: Record<CountryISO, CatalogCentre['attributes']> = {
  PE: { district: 'San Borja' },
  CL: { commune: 'Providencia', region: 'Metropolitana de Santiago' },
};

/** A catalog id no other test uses (lowercase, as CATALOG_ID_PATTERN asks): every suite shares one MySQL. */
const freshId = (prefix: string) => `${prefix}-${ulid().toLowerCase()}`;

/**
 * A publication of its own doctor at its own centre: the catalog keeps one slot per doctor and start, so
 * no other test's slots are among its answer. By default one session, 08:00 to 09:00 on 16 March 2027 in
 * the centre's zone, every 30 minutes: two slots (Lima 13:00Z and 13:30Z; Santiago, still on summer time,
 * 11:00Z and 11:30Z).
 */
export function aSlotPublication(countryISO: CountryISO, overrides: Partial<SlotPublication> = {}): SlotPublication {
  return {
    countryISO,
    centre: { centreId: freshId('centro'), name: 'Clínica San Borja', attributes: centreAttributes[countryISO] },
    specialty: { specialtyId: 'medicina-general', name: 'Medicina general' },
    doctor: { doctorId: freshId('doctor'), name: 'Dra. María Quispe Huamán' },
    sessions: [{ date: '2027-03-16', from: '08:00', to: '09:00', everyMinutes: 30 }],
    ...overrides,
  };
}

/** `count` slots, every 15 minutes from 08:00 in the centre's zone, 60 a day from 1 March 2027 (at most 31 days). */
export function aPublicationOfSlots(countryISO: CountryISO, count: number): SlotPublication {
  const perDay = 60;
  const sessions = Array.from({ length: Math.ceil(count / perDay) }, (_, day) => {
    const minutes = 8 * 60 + Math.min(perDay, count - day * perDay) * 15;
    const to = `${String(Math.floor(minutes / 60)).padStart(2, '0')}:${String(minutes % 60).padStart(2, '0')}`;
    return { date: `2027-03-${String(day + 1).padStart(2, '0')}`, from: '08:00', to, everyMinutes: 15 };
  });
  return aSlotPublication(countryISO, { sessions });
}

/**
 * A slot as the read model holds it: free, 20 minutes from `startsAt`, at a test centre of its country (with the
 * country's own attributes), for general medicine with a test doctor.
 */
export function aSlotSnapshot(
  countryISO: CountryISO,
  scheduleId: number,
  startsAt: Date,
  overrides: Partial<SlotSnapshot> = {},
): SlotSnapshot {
  return {
    countryISO,
    scheduleId,
    centre: { centreId: 'centro-de-pruebas', name: 'Centro de pruebas', attributes: centreAttributes[countryISO] },
    specialty: { specialtyId: 'medicina-general', name: 'Medicina general' },
    doctor: { doctorId: 'doctor-de-pruebas', name: 'Dra. Prueba' },
    startsAt: startsAt.toISOString(),
    endsAt: new Date(startsAt.getTime() + 20 * 60_000).toISOString(),
    availability: 'FREE',
    version: 1,
    ...overrides,
  };
}

/**
 * A read model in which every scheduleId is a free slot of its country, a week from now: the unit tests of
 * bookings, where which slot it is does not matter, only that the catalog has it.
 */
export function aCatalogWhereEverySlotIsFree(): Pick<SlotReadModel, 'get'> {
  const startsAt = new Date(Date.now() + 7 * 86_400_000);
  return { get: (countryISO, scheduleId) => Promise.resolve(aSlotSnapshot(countryISO, scheduleId, startsAt)) };
}

/** Slot 41 of Peru: a cardiologist's 20 minutes at Clínica Miraflores on 15 December 2026, FREE, version 1 (unit tests of one slot's state). */
export const aMirafloresCardiologySlot = (overrides: Partial<SlotSnapshot> = {}): SlotSnapshot => ({
  countryISO: 'PE',
  scheduleId: 41,
  centre: { centreId: 'pe-clinica-miraflores', name: 'Clínica Miraflores', attributes: { district: 'Miraflores' } },
  specialty: { specialtyId: 'cardiologia', name: 'Cardiología' },
  doctor: { doctorId: 'dra-quispe', name: 'Dra. María Quispe' },
  startsAt: '2026-12-15T15:30:00.000Z',
  endsAt: '2026-12-15T15:50:00.000Z',
  availability: 'FREE',
  version: 1,
  ...overrides,
});
