import type { CountryISO } from '../graphql/types.generated';

/**
 * The slot catalog (issue 32): each country's own doctors' times at its medical centres. The country's
 * MySQL schema is its authority; a DynamoDB read model answers the API. These are the shapes both sides
 * and the messages between them share.
 */

/** A medical centre; `attributes` are the ones its country declares (countries.ts `centreAttributes`), every one a string. */
export interface CatalogCentre {
  readonly centreId: string;
  readonly name: string;
  readonly attributes: { readonly [attribute: string]: string };
}

export interface CatalogSpecialty {
  readonly specialtyId: string;
  readonly name: string;
}

export interface CatalogDoctor {
  readonly doctorId: string;
  readonly name: string;
}

/** FREE: bookable; TAKEN: an appointment holds it; WITHDRAWN: staff took it out of the catalog. */
export type SlotAvailability = 'FREE' | 'TAKEN' | 'WITHDRAWN';

/** What a slot is, where and when, and whether it can be booked, as its country's database holds it now. */
export interface SlotSnapshot {
  readonly countryISO: CountryISO;
  readonly scheduleId: number;
  readonly centre: CatalogCentre;
  readonly specialty: CatalogSpecialty;
  readonly doctor: CatalogDoctor;
  /** UTC, ISO 8601 with milliseconds and `Z` (Date#toISOString). */
  readonly startsAt: string;
  readonly endsAt: string;
  readonly availability: SlotAvailability;
  /**
   * Grows by one with every change to the slot in its country's database (published, booked, freed,
   * withdrawn). The read model keeps the snapshot with the highest version, so a stale or reordered
   * event never overwrites a newer state.
   */
  readonly version: number;
}

/** A doctor's session at a centre on one day: a slot every `everyMinutes` from `from` until `to`, in the centre's own zone. */
export interface SlotSession {
  /** YYYY-MM-DD, the centre's local date. */
  readonly date: string;
  /** HH:MM, local wall time: the first slot starts then. */
  readonly from: string;
  /** HH:MM, local wall time: the last slot ends at or before it. */
  readonly to: string;
  readonly everyMinutes: number;
}

/** What staff publish: a doctor's sessions at a centre for a specialty. */
export interface SlotPublication {
  readonly countryISO: CountryISO;
  readonly centre: CatalogCentre;
  readonly specialty: CatalogSpecialty;
  readonly doctor: CatalogDoctor;
  readonly sessions: readonly SlotSession[];
}

/** One slot of a publication, its times in UTC: the country stores it once per doctor and start. */
export interface SlotTime {
  readonly startsAt: Date;
  readonly endsAt: Date;
}
