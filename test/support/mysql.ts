import { createPool, type Pool, type RowDataPacket } from 'mysql2/promise';
import { mysqlOptionsFromUrl } from '../../core/adapters/mysql-connection';
import { countries, type Country } from '../../core/countries';
import type { CountryISO } from '../../core/graphql/types.generated';
import { TEST_MYSQL_URL } from './mysql-global-setup';

export const testMysqlUrl = process.env[TEST_MYSQL_URL];

/** `describe` when a MySQL is available; skipped otherwise (global setup has said so loudly, and refuses under CI=true). */
export const describeWithMysql = testMysqlUrl ? describe : describe.skip;

export function testPool(): Pool {
  if (!testMysqlUrl) throw new Error('No MySQL for this test');
  return createPool(mysqlOptionsFromUrl(testMysqlUrl, 4));
}

export interface CountryRow {
  appointment_id: string;
  insured_id: string;
  schedule_id: number;
  country_iso: string;
  requested_at: Date;
  status: string;
}

/** The rows a country schema holds for these appointments (tests share one server, so never count whole tables). */
export async function countryRows(pool: Pool, countryISO: CountryISO, appointmentIds: readonly string[]): Promise<CountryRow[]> {
  if (appointmentIds.length === 0) return [];
  const country: Country = countries[countryISO];
  const [rows] = await pool.query<(RowDataPacket & CountryRow)[]>(
    'SELECT appointment_id, insured_id, schedule_id, country_iso, requested_at, status FROM ??.appointments WHERE appointment_id IN (?) ORDER BY appointment_id',
    [country.mysqlSchema, appointmentIds],
  );
  return rows;
}

/** The rows holding or having held a slot in a country (tests share one server, so each books its own slots). */
export async function slotRows(pool: Pool, countryISO: CountryISO, scheduleId: number): Promise<{ appointment_id: string; status: string }[]> {
  const [rows] = await pool.query<(RowDataPacket & { appointment_id: string; status: string })[]>(
    'SELECT appointment_id, status FROM ??.appointments WHERE schedule_id = ? ORDER BY appointment_id',
    [countries[countryISO].mysqlSchema, scheduleId],
  );
  return rows.map((row) => ({ appointment_id: row.appointment_id, status: row.status }));
}
