import { countries } from '../../core/domain/countries';
import { validateSlotPublication, publishSlotsInputOf } from '../../core/domain/slot-publication';
import { slotTimesOf } from '../../core/domain/slot-times';
import type { SlotPublication } from '../../core/domain/slots';
import { zonedDateTime } from '../../core/domain/zoned-time';
import { DEMO_CATALOG_DAYS, demoCatalog, demoCatalogSize } from '../../local/catalog/demo-catalog';
import type { CountryISO } from '../../core/graphql/types.generated';

// A Tuesday; its country's midnight, so that every slot of the catalog (from tomorrow) is still to come.
const today = '2026-12-15';
const nowIn = (countryISO: CountryISO) =>
  new Date(`${today}T00:00:00${zonedDateTime(`${today}T12:00:00Z`, countries[countryISO].timeZone).slice(-6)}`);

const slotsOf = (publications: readonly SlotPublication[]) =>
  publications.flatMap((publication) => slotTimesOf(publication).map((time) => ({ publication, ...time })));

describe.each(['PE', 'CL'] as const)('the demo catalog of %s', (countryISO) => {
  const publications = demoCatalog(countryISO, today);
  const slots = slotsOf(publications);
  const { timeZone } = countries[countryISO];
  // Each slot's local date and times, as its centre's clock shows them.
  const local = slots.map(({ startsAt, endsAt }) => {
    const [start, end] = [zonedDateTime(startsAt, timeZone), zonedDateTime(endsAt, timeZone)];
    return { date: start.slice(0, 10), start: start.slice(11, 16), end: end.slice(11, 16) };
  });

  it('given today, then it has at least 10,000 slots (what load runs and the bench need)', () => {
    expect(slots.length).toBeGreaterThanOrEqual(10_000);
    expect(demoCatalogSize(countryISO, today)).toEqual({ publications: publications.length, slots: slots.length });
  });

  // From a Friday the 30 days hold the fewest weekdays (20) of any start.
  it('given a Friday as today, the start that leaves the fewest weekdays, then it still has at least 10,000 slots', () => {
    expect(demoCatalogSize(countryISO, '2026-12-04').slots).toBeGreaterThanOrEqual(10_000);
  });

  it('given the same day twice, then it is the same catalog (every start publishes the same slots)', () => {
    expect(demoCatalog(countryISO, today)).toEqual(publications);
  });

  it('given every publication as staff would send it, then each passes validation unchanged', () => {
    const now = nowIn(countryISO);

    for (const publication of publications) expect(validateSlotPublication(publishSlotsInputOf(publication), now)).toEqual(publication);
  });

  it('given every slot, then it lies within the 30 days from tomorrow', () => {
    const days = [...new Set(local.map(({ date }) => date))].sort();

    expect(days[0]).toBe('2026-12-16');
    expect(days.at(-1)).toBe('2027-01-14');
    expect(DEMO_CATALOG_DAYS).toBe(30);
  });

  it('given every slot, then none is on a Sunday, Saturdays end by 12:00 and weekdays keep 13:00–14:00 for lunch', () => {
    const weekday = (date: string) => new Date(`${date}T12:00:00Z`).getUTCDay();

    expect(local.filter(({ date }) => weekday(date) === 0)).toEqual([]);
    expect(local.filter(({ date, end }) => weekday(date) === 6 && end > '12:00')).toEqual([]);
    expect(local.filter(({ start, end }) => start < '08:00' || end > '18:00' || (start < '14:00' && end > '13:00'))).toEqual([]);
  });

  it('given every doctor, then they never have two slots at the same time, at one centre or two', () => {
    const byDoctor = new Map<string, { startsAt: Date; endsAt: Date }[]>();
    for (const { publication, startsAt, endsAt } of slots) {
      byDoctor.set(publication.doctor.doctorId, [...(byDoctor.get(publication.doctor.doctorId) ?? []), { startsAt, endsAt }]);
    }
    const clashes = [...byDoctor].flatMap(([doctorId, times]) =>
      times
        .sort((a, b) => a.startsAt.getTime() - b.startsAt.getTime())
        .filter((time, index) => index > 0 && time.startsAt < (times[index - 1]?.endsAt ?? time.startsAt))
        .map(({ startsAt }) => `${doctorId} at ${startsAt.toISOString()}`),
    );

    expect(clashes).toEqual([]);
  });

  it('given every doctor, then each has one specialty, at one or two centres', () => {
    const doctors = new Map<string, { specialties: Set<string>; centres: Set<string> }>();
    for (const { doctor, specialty, centre } of publications) {
      const seen = doctors.get(doctor.doctorId) ?? { specialties: new Set(), centres: new Set() };
      seen.specialties.add(specialty.specialtyId);
      seen.centres.add(centre.centreId);
      doctors.set(doctor.doctorId, seen);
    }

    expect(doctors.size).toBeGreaterThanOrEqual(20);
    for (const { specialties, centres } of doctors.values()) {
      expect(specialties.size).toBe(1);
      expect([1, 2]).toContain(centres.size);
    }
  });

  it('given the catalog, then its centres carry the country’s prefix and attributes, and its names are titled doctors', () => {
    const prefix = `${countryISO.toLowerCase()}-`;

    for (const { centre, doctor } of publications) {
      expect(centre.centreId.startsWith(prefix)).toBe(true);
      expect(Object.keys(centre.attributes)).toEqual(countries[countryISO].centreAttributes);
      expect(doctor.name).toMatch(/^Dra?\. /);
    }
    expect(new Set(publications.map(({ centre }) => centre.centreId)).size).toBeGreaterThanOrEqual(5);
    expect(new Set(publications.map(({ specialty }) => specialty.specialtyId))).toContain('medicina-general');
  });
});

describe('the demo catalogs’ places', () => {
  it('given Peru, then its centres are in Lima districts', () => {
    const districts = new Set(demoCatalog('PE', today).map(({ centre }) => centre.attributes.district));

    expect([...districts].sort()).toEqual(['Jesús María', 'Miraflores', 'San Borja', 'San Isidro', 'Santiago de Surco']);
  });

  it('given Chile, then its centres name their commune and region', () => {
    const places = new Set(demoCatalog('CL', today).map(({ centre }) => `${centre.attributes.commune}, ${centre.attributes.region}`));

    expect([...places].sort()).toEqual([
      'Concepción, Región del Biobío',
      'Las Condes, Región Metropolitana',
      'Providencia, Región Metropolitana',
      'Viña del Mar, Región de Valparaíso',
      'Ñuñoa, Región Metropolitana',
    ]);
  });
});
