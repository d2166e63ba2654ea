import type { RowDataPacket } from 'mysql2/promise';
import { escapeId } from 'mysql2/promise';
import type { Country } from '../domain/countries';
import type { CountrySlotStatus } from '../messages/appointment-messages';
import type { MysqlQueries } from './mysql-connection';
import type { CountryRowSummary } from '../use-cases/reconcile-appointments';

/*
 * The countries' rows as reconciliation reads them, apart from MysqlCountryAppointments: the reconciler only reads,
 * and bundling the booking and move statements it never runs kept its deployed bundle at the 512 KB limit.
 */

/** A country's rows, as its appointments table holds them now. */
export async function* countryRowsOf(pool: MysqlQueries, country: Country): AsyncIterable<CountryRowSummary> {
  const table = `${escapeId(country.mysqlSchema)}.${escapeId('appointments')}`;
  const [rows] = await pool.query<
    (RowDataPacket & { appointment_id: string; schedule_id: number; status: CountrySlotStatus; scheduled_at: Date })[]
  >(`SELECT appointment_id, schedule_id, status, scheduled_at FROM ${table}`);
  for (const row of rows) {
    yield {
      appointmentId: row.appointment_id,
      countryISO: country.iso,
      scheduleId: row.schedule_id,
      status: row.status,
      scheduledAt: row.scheduled_at,
    };
  }
}

/** Every country's rows, one schema after another, for reconciliation. */
export async function* rowsOfEveryCountry(pool: MysqlQueries, everyCountry: readonly Country[]): AsyncIterable<CountryRowSummary> {
  for (const country of everyCountry) yield* countryRowsOf(pool, country);
}
