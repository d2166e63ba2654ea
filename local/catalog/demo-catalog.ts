import { MAX_SESSIONS_PER_PUBLICATION, MAX_SLOTS_PER_PUBLICATION } from '../../core/domain/slot-publication';
import { slotTimesOf, wallSlotCount } from '../../core/domain/slot-times';
import type { CatalogCentre, CatalogDoctor, CatalogSpecialty, SlotPublication, SlotSession } from '../../core/domain/slots';
import type { CountryISO } from '../../core/graphql/types.generated';

/**
 * The demo catalog `npm start` publishes: each country's centres, specialties and doctors, and the next
 * 30 days of their working hours. Generated from tables and the date alone (no randomness, no clock), so
 * every start publishes the same slots and publishing them again makes none new.
 */

export const DEMO_CATALOG_DAYS = 30;

/** Which days and shifts a doctor works, and at which of their centres (the first or the second). */
type WeekPattern =
  /** Monday to Saturday at one centre. */
  | 'full'
  /** Monday to Friday at one centre. */
  | 'weekdays'
  /** Mornings at the first centre, afternoons at the second, Monday to Friday; Saturday at the first. */
  | 'split'
  /** Monday, Wednesday and Friday at the first centre, Tuesday, Thursday and Saturday at the second. */
  | 'alternate';

interface DemoDoctor {
  readonly name: string;
  readonly specialtyId: string;
  /** Centre ids; two only for centres near enough to go between at lunch. */
  readonly centres: readonly [string] | readonly [string, string];
  readonly pattern: WeekPattern;
}

interface DemoCountry {
  readonly centres: readonly CatalogCentre[];
  readonly doctors: readonly DemoDoctor[];
}

/** Every specialty of both countries, and how long its consultation is. */
const specialties: readonly (CatalogSpecialty & { readonly everyMinutes: number })[] = [
  { specialtyId: 'medicina-general', name: 'Medicina General', everyMinutes: 20 },
  { specialtyId: 'pediatria', name: 'Pediatría', everyMinutes: 20 },
  { specialtyId: 'dermatologia', name: 'Dermatología', everyMinutes: 20 },
  { specialtyId: 'cardiologia', name: 'Cardiología', everyMinutes: 30 },
  { specialtyId: 'ginecologia', name: 'Ginecología', everyMinutes: 30 },
  { specialtyId: 'traumatologia', name: 'Traumatología', everyMinutes: 30 },
  { specialtyId: 'oftalmologia', name: 'Oftalmología', everyMinutes: 30 },
  { specialtyId: 'otorrinolaringologia', name: 'Otorrinolaringología', everyMinutes: 30 },
  { specialtyId: 'neurologia', name: 'Neurología', everyMinutes: 30 },
  { specialtyId: 'endocrinologia', name: 'Endocrinología', everyMinutes: 30 },
];

const peruCentre = (centreId: string, name: string, district: string): CatalogCentre => ({ centreId, name, attributes: { district } });
const chileCentre = (centreId: string, name: string, commune: string, region: string): CatalogCentre => ({
  centreId,
  name,
  attributes: { commune, region },
});

const demoCountries: { readonly [K in CountryISO]: DemoCountry } = {
  PE: {
    centres: [
      peruCentre('pe-clinica-miraflores', 'Clínica Miraflores', 'Miraflores'),
      peruCentre('pe-clinica-san-isidro', 'Clínica San Isidro', 'San Isidro'),
      peruCentre('pe-centro-medico-surco', 'Centro Médico Santiago de Surco', 'Santiago de Surco'),
      peruCentre('pe-policlinico-san-borja', 'Policlínico San Borja', 'San Borja'),
      peruCentre('pe-centro-medico-jesus-maria', 'Centro Médico Jesús María', 'Jesús María'),
    ],
    doctors: [
      { name: 'Dra. María Fernanda Quispe Huamán', specialtyId: 'medicina-general', centres: ['pe-clinica-miraflores'], pattern: 'full' },
      { name: 'Dr. José Luis Mamani Condori', specialtyId: 'medicina-general', centres: ['pe-clinica-san-isidro'], pattern: 'full' },
      { name: 'Dra. Rosa Elena Flores Chávez', specialtyId: 'medicina-general', centres: ['pe-centro-medico-surco'], pattern: 'full' },
      { name: 'Dr. Jorge Ramírez Salazar', specialtyId: 'medicina-general', centres: ['pe-policlinico-san-borja'], pattern: 'full' },
      { name: 'Dra. Carmen Huamán Palomino', specialtyId: 'medicina-general', centres: ['pe-centro-medico-jesus-maria'], pattern: 'full' },
      {
        name: 'Dra. Patricia Gutiérrez Torres',
        specialtyId: 'pediatria',
        centres: ['pe-clinica-miraflores', 'pe-centro-medico-surco'],
        pattern: 'split',
      },
      { name: 'Dr. Luis Miguel Castillo Paredes', specialtyId: 'pediatria', centres: ['pe-policlinico-san-borja'], pattern: 'weekdays' },
      {
        name: 'Dra. Ana Lucía Mendoza Ríos',
        specialtyId: 'pediatria',
        centres: ['pe-centro-medico-jesus-maria', 'pe-clinica-san-isidro'],
        pattern: 'alternate',
      },
      { name: 'Dr. Víctor Hugo Sánchez Cárdenas', specialtyId: 'dermatologia', centres: ['pe-clinica-san-isidro'], pattern: 'weekdays' },
      {
        name: 'Dr. Raúl Espinoza Medina',
        specialtyId: 'cardiologia',
        centres: ['pe-clinica-miraflores', 'pe-clinica-san-isidro'],
        pattern: 'alternate',
      },
      { name: 'Dra. Milagros Díaz Zapata', specialtyId: 'cardiologia', centres: ['pe-centro-medico-surco'], pattern: 'full' },
      {
        name: 'Dr. Fernando Vásquez Aguilar',
        specialtyId: 'cardiologia',
        centres: ['pe-policlinico-san-borja', 'pe-centro-medico-jesus-maria'],
        pattern: 'split',
      },
      { name: 'Dra. Jessica Ccori Layme', specialtyId: 'ginecologia', centres: ['pe-clinica-miraflores'], pattern: 'full' },
      {
        name: 'Dra. Karina Ramos Villanueva',
        specialtyId: 'ginecologia',
        centres: ['pe-centro-medico-surco', 'pe-policlinico-san-borja'],
        pattern: 'alternate',
      },
      { name: 'Dr. Renzo Álvarez Cueva', specialtyId: 'ginecologia', centres: ['pe-centro-medico-jesus-maria'], pattern: 'weekdays' },
      {
        name: 'Dr. Miguel Ángel Torres Ludeña',
        specialtyId: 'traumatologia',
        centres: ['pe-clinica-san-isidro', 'pe-centro-medico-surco'],
        pattern: 'split',
      },
      { name: 'Dr. César Augusto Paredes Rivas', specialtyId: 'traumatologia', centres: ['pe-clinica-miraflores'], pattern: 'full' },
      { name: 'Dra. Giuliana Paz Saavedra', specialtyId: 'traumatologia', centres: ['pe-policlinico-san-borja'], pattern: 'weekdays' },
      {
        name: 'Dra. Lucía Valdivia Herrera',
        specialtyId: 'oftalmologia',
        centres: ['pe-clinica-miraflores', 'pe-centro-medico-jesus-maria'],
        pattern: 'alternate',
      },
      { name: 'Dr. Héctor Cáceres Loayza', specialtyId: 'oftalmologia', centres: ['pe-centro-medico-surco'], pattern: 'full' },
      { name: 'Dr. Julio César Benavides Rojas', specialtyId: 'otorrinolaringologia', centres: ['pe-clinica-san-isidro'], pattern: 'full' },
      {
        name: 'Dra. Silvia Castañeda Montoya',
        specialtyId: 'otorrinolaringologia',
        centres: ['pe-policlinico-san-borja', 'pe-clinica-miraflores'],
        pattern: 'split',
      },
      {
        name: 'Dr. Alberto Chumpitaz Yupanqui',
        specialtyId: 'neurologia',
        centres: ['pe-centro-medico-jesus-maria', 'pe-centro-medico-surco'],
        pattern: 'alternate',
      },
      { name: 'Dra. Claudia Ñahui Pariona', specialtyId: 'endocrinologia', centres: ['pe-clinica-san-isidro'], pattern: 'weekdays' },
    ],
  },
  CL: {
    centres: [
      chileCentre('cl-clinica-providencia', 'Clínica Providencia', 'Providencia', 'Región Metropolitana'),
      chileCentre('cl-centro-medico-las-condes', 'Centro Médico Las Condes', 'Las Condes', 'Región Metropolitana'),
      chileCentre('cl-centro-medico-nunoa', 'Centro Médico Ñuñoa', 'Ñuñoa', 'Región Metropolitana'),
      chileCentre('cl-clinica-vina-del-mar', 'Clínica Viña del Mar', 'Viña del Mar', 'Región de Valparaíso'),
      chileCentre('cl-clinica-concepcion', 'Clínica Concepción', 'Concepción', 'Región del Biobío'),
    ],
    // Doctors with two centres work in Santiago only: Viña del Mar and Concepción are hours away.
    doctors: [
      { name: 'Dra. Francisca Muñoz Soto', specialtyId: 'medicina-general', centres: ['cl-clinica-providencia'], pattern: 'full' },
      { name: 'Dr. Matías González Contreras', specialtyId: 'medicina-general', centres: ['cl-centro-medico-las-condes'], pattern: 'full' },
      { name: 'Dra. Camila Rojas Sepúlveda', specialtyId: 'medicina-general', centres: ['cl-centro-medico-nunoa'], pattern: 'full' },
      { name: 'Dr. Sebastián Díaz Fuentes', specialtyId: 'medicina-general', centres: ['cl-clinica-vina-del-mar'], pattern: 'full' },
      { name: 'Dra. Valentina Pérez Araya', specialtyId: 'medicina-general', centres: ['cl-clinica-concepcion'], pattern: 'full' },
      {
        name: 'Dr. Felipe Morales Espinoza',
        specialtyId: 'pediatria',
        centres: ['cl-clinica-providencia', 'cl-centro-medico-nunoa'],
        pattern: 'split',
      },
      { name: 'Dra. Javiera Silva Tapia', specialtyId: 'pediatria', centres: ['cl-clinica-vina-del-mar'], pattern: 'weekdays' },
      { name: 'Dra. Constanza Núñez Reyes', specialtyId: 'pediatria', centres: ['cl-clinica-concepcion'], pattern: 'full' },
      {
        name: 'Dr. Cristóbal Vergara Castro',
        specialtyId: 'dermatologia',
        centres: ['cl-centro-medico-las-condes', 'cl-clinica-providencia'],
        pattern: 'alternate',
      },
      { name: 'Dr. Rodrigo Gutiérrez Figueroa', specialtyId: 'cardiologia', centres: ['cl-centro-medico-las-condes'], pattern: 'full' },
      { name: 'Dra. Catalina Castillo Carrasco', specialtyId: 'cardiologia', centres: ['cl-clinica-vina-del-mar'], pattern: 'weekdays' },
      { name: 'Dr. Ignacio Torres Lagos', specialtyId: 'cardiologia', centres: ['cl-clinica-concepcion'], pattern: 'weekdays' },
      {
        name: 'Dra. Fernanda Vega Riquelme',
        specialtyId: 'ginecologia',
        centres: ['cl-centro-medico-nunoa', 'cl-centro-medico-las-condes'],
        pattern: 'alternate',
      },
      { name: 'Dra. Daniela Herrera Cortés', specialtyId: 'ginecologia', centres: ['cl-clinica-concepcion'], pattern: 'full' },
      { name: 'Dr. Nicolás Jara Bravo', specialtyId: 'ginecologia', centres: ['cl-clinica-vina-del-mar'], pattern: 'weekdays' },
      {
        name: 'Dr. Tomás Alarcón Pizarro',
        specialtyId: 'traumatologia',
        centres: ['cl-clinica-providencia', 'cl-centro-medico-las-condes'],
        pattern: 'split',
      },
      { name: 'Dr. Benjamín Navarro Gallardo', specialtyId: 'traumatologia', centres: ['cl-clinica-concepcion'], pattern: 'weekdays' },
      { name: 'Dra. Antonia Salazar Valenzuela', specialtyId: 'traumatologia', centres: ['cl-clinica-vina-del-mar'], pattern: 'full' },
      { name: 'Dr. Joaquín Sandoval Olivares', specialtyId: 'oftalmologia', centres: ['cl-centro-medico-las-condes'], pattern: 'full' },
      { name: 'Dra. Isidora Cáceres Molina', specialtyId: 'oftalmologia', centres: ['cl-clinica-vina-del-mar'], pattern: 'weekdays' },
      {
        name: 'Dra. Macarena Fuentealba Parra',
        specialtyId: 'otorrinolaringologia',
        centres: ['cl-clinica-providencia'],
        pattern: 'weekdays',
      },
      { name: 'Dr. Vicente Henríquez Saavedra', specialtyId: 'otorrinolaringologia', centres: ['cl-clinica-concepcion'], pattern: 'full' },
      {
        name: 'Dr. Diego Cárcamo Vidal',
        specialtyId: 'neurologia',
        centres: ['cl-centro-medico-nunoa', 'cl-clinica-providencia'],
        pattern: 'split',
      },
      {
        name: 'Dra. Paula Ortiz Bustos',
        specialtyId: 'endocrinologia',
        centres: ['cl-centro-medico-las-condes', 'cl-centro-medico-nunoa'],
        pattern: 'alternate',
      },
    ],
  },
};

/** The working hours: mornings and afternoons Monday to Friday with an hour for lunch, Saturday mornings, Sunday closed. */
const shifts = {
  morning: { from: '08:00', to: '13:00' },
  afternoon: { from: '14:00', to: '18:00' },
  saturday: { from: '08:00', to: '12:00' },
} as const;

type Shift = keyof typeof shifts;

const SUNDAY = 0;
const SATURDAY = 6;

/** Which of the doctor's centres (0 or 1) holds a shift on a weekday (0 Sunday … 6 Saturday); undefined when off. */
function centreIndexFor(pattern: WeekPattern, weekday: number, shift: Shift): 0 | 1 | undefined {
  if (weekday === SUNDAY) return undefined;
  if (weekday === SATURDAY) return pattern === 'weekdays' ? undefined : pattern === 'alternate' ? 1 : 0;
  if (pattern === 'split') return shift === 'morning' ? 0 : 1;
  if (pattern === 'alternate') return weekday % 2 === 1 ? 0 : 1;
  return 0;
}

/** The doctor's sessions at each centre over the next DEMO_CATALOG_DAYS days, one shift at one place at a time. */
function sessionsByCentre(doctor: DemoDoctor, everyMinutes: number, today: string): Map<string, SlotSession[]> {
  const byCentre = new Map<string, SlotSession[]>(doctor.centres.map((centreId) => [centreId, []]));
  for (let offset = 1; offset <= DEMO_CATALOG_DAYS; offset += 1) {
    const date = addDays(today, offset);
    const weekday = weekdayOf(date);
    const dayShifts: Shift[] = weekday === SATURDAY ? ['saturday'] : ['morning', 'afternoon'];
    for (const shift of dayShifts) {
      const index = centreIndexFor(doctor.pattern, weekday, shift);
      const centreId = index === undefined ? undefined : doctor.centres[index];
      if (centreId) byCentre.get(centreId)?.push({ date, ...shifts[shift], everyMinutes });
    }
  }
  return byCentre;
}

/** Consecutive sessions grouped into as few publications as the limits allow, so a start publishes quickly. */
function withinLimits(sessions: readonly SlotSession[]): SlotSession[][] {
  const groups: SlotSession[][] = [];
  let current: SlotSession[] = [];
  let slots = 0;
  for (const session of sessions) {
    const count = wallSlotCount(session);
    if (current.length === MAX_SESSIONS_PER_PUBLICATION || slots + count > MAX_SLOTS_PER_PUBLICATION) {
      groups.push(current);
      current = [];
      slots = 0;
    }
    current.push(session);
    slots += count;
  }
  if (current.length > 0) groups.push(current);
  return groups;
}

/**
 * The country's demo catalog from the day after `today` (YYYY-MM-DD, the country's local date) for
 * DEMO_CATALOG_DAYS days: every publication within the limits validateSlotPublication enforces.
 */
export function demoCatalog(countryISO: CountryISO, today: string): SlotPublication[] {
  if (!/^[0-9]{4}-[0-9]{2}-[0-9]{2}$/.test(today)) throw new RangeError(`today must be YYYY-MM-DD, not "${today}"`);
  const { centres, doctors } = demoCountries[countryISO];
  return doctors.flatMap((demoDoctor) => {
    const specialty = specialties.find((candidate) => candidate.specialtyId === demoDoctor.specialtyId);
    if (!specialty) throw new Error(`Demo catalog: no specialty ${demoDoctor.specialtyId}`);
    const doctor: CatalogDoctor = { doctorId: idOf(demoDoctor.name), name: demoDoctor.name };
    return [...sessionsByCentre(demoDoctor, specialty.everyMinutes, today)].flatMap(([centreId, sessions]) => {
      const centre = centres.find((candidate) => candidate.centreId === centreId);
      if (!centre) throw new Error(`Demo catalog: no centre ${centreId}`);
      return withinLimits(sessions).map((group) => ({
        countryISO,
        centre,
        specialty: { specialtyId: specialty.specialtyId, name: specialty.name },
        doctor,
        sessions: group,
      }));
    });
  });
}

/** How many publications and slots the demo catalog makes, for `npm start`'s log. */
export function demoCatalogSize(countryISO: CountryISO, today: string): { publications: number; slots: number } {
  const publications = demoCatalog(countryISO, today);
  return { publications: publications.length, slots: publications.reduce((sum, publication) => sum + slotTimesOf(publication).length, 0) };
}

/** A doctor's id from their name without the title: "Dra. Claudia Ñahui Pariona" → "claudia-nahui-pariona". */
function idOf(name: string): string {
  return name
    .replace(/^Dra?\.\s+/, '')
    .normalize('NFD')
    .replace(/\p{Diacritic}/gu, '')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-|-$/g, '');
}

// Calendar arithmetic on the date alone, in UTC: a local date's weekday does not depend on any zone.
function addDays(date: string, days: number): string {
  const [year, month, day] = date.split('-').map(Number) as [number, number, number];
  return new Date(Date.UTC(year, month - 1, day + days)).toISOString().slice(0, 10);
}

function weekdayOf(date: string): number {
  const [year, month, day] = date.split('-').map(Number) as [number, number, number];
  return new Date(Date.UTC(year, month - 1, day)).getUTCDay();
}
