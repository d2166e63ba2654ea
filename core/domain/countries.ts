import { CountryISO } from '../graphql/types.generated';

export interface Country {
  readonly iso: CountryISO;
  readonly name: string;
  /** The MySQL schema (database) that holds this country's scheduled appointments. */
  readonly mysqlSchema: string;
  /** The MySQL user its country worker signs in as: rights on this schema's tables only (core/mysql/database-users.ts). */
  readonly mysqlUser: string;
  /** How the country writes dates and words in the insured person's emails (BCP 47). */
  readonly locale: string;
  /** The IANA zone in which the country reads a date and time. */
  readonly timeZone: string;
  /** The country's name in its own language, as its emails say it. */
  readonly localName: string;
  /**
   * What the country records of a medical centre beyond its id and name, in the order its address is written.
   * The schema types them per country: `centreTypeName` implements `Centre` with these fields, and
   * `centreInputField` of `CentreInput` carries them when staff publish slots (schema.graphql).
   */
  readonly centreAttributes: readonly string[];
  readonly centreTypeName: string;
  readonly centreInputField: string;
  /**
   * How long before its start an appointment may still be cancelled by its insured person; later, only staff may
   * (overrideNotice), and the override is logged with who did it (core/domain/late-changes.ts).
   */
  readonly cancellationNoticeMinutes: number;
  /** The same for moving it to another slot (rescheduleAppointment): counted to the start of the slot it holds. */
  readonly rescheduleNoticeMinutes: number;
}

/**
 * The country registry. Adding a country is one entry here plus its value in the
 * `CountryISO` enum of schema.graphql; `satisfies` makes the compiler insist on both.
 */
export const countries = {
  PE: {
    iso: CountryISO.PE,
    name: 'Peru',
    mysqlSchema: 'mysql_pe',
    mysqlUser: 'appointments_pe',
    locale: 'es-PE',
    timeZone: 'America/Lima',
    localName: 'Perú',
    centreAttributes: ['district'],
    centreTypeName: 'PeruCentre',
    centreInputField: 'peru',
    cancellationNoticeMinutes: 2 * 60,
    rescheduleNoticeMinutes: 2 * 60,
  },
  CL: {
    iso: CountryISO.CL,
    name: 'Chile',
    mysqlSchema: 'mysql_cl',
    mysqlUser: 'appointments_cl',
    locale: 'es-CL',
    timeZone: 'America/Santiago',
    localName: 'Chile',
    centreAttributes: ['commune', 'region'],
    centreTypeName: 'ChileCentre',
    centreInputField: 'chile',
    cancellationNoticeMinutes: 24 * 60,
    rescheduleNoticeMinutes: 24 * 60,
  },
} as const satisfies { readonly [K in CountryISO]: Country & { iso: K } };

export const countryISOs = Object.keys(countries) as CountryISO[];

export function isCountryISO(value: unknown): value is CountryISO {
  return typeof value === 'string' && Object.hasOwn(countries, value);
}
