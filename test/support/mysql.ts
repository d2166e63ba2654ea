import { createConnection, createPool, type Pool, type RowDataPacket } from 'mysql2/promise';
import { mysqlOptionsFromUrl } from '../../core/adapters/mysql-connection';
import { migrateCountrySchemas } from '../../core/adapters/mysql-migrations';
import { countries, type Country } from '../../core/domain/countries';
import type { CountryISO } from '../../core/graphql/types.generated';
import { localDatabaseUsers, type LocalDatabaseUsers } from '../../local/mysql/database-users';
import { TEST_MYSQL_URL } from './mysql-global-setup';

export const testMysqlUrl = process.env[TEST_MYSQL_URL];

/** `describe` when a MySQL is available; skipped otherwise (global setup has said so loudly, and refuses under CI=true). */
export const describeWithMysql = testMysqlUrl ? describe : describe.skip;

export function testPool(): Pool {
  if (!testMysqlUrl) throw new Error('No MySQL for this test');
  return createPool(mysqlOptionsFromUrl(testMysqlUrl, 4));
}

/**
 * The database users of core/mysql/database-users.ts on the test MySQL, created or updated by
 * the migrations as the local stack does, with passwords made for the caller.
 */
export async function migratedTestDatabaseUsers(): Promise<LocalDatabaseUsers> {
  if (!testMysqlUrl) throw new Error('No MySQL for this test');
  const users = localDatabaseUsers(testMysqlUrl);
  const connection = await createConnection({ uri: testMysqlUrl });
  try {
    await migrateCountrySchemas(connection, Object.values(countries), { users: users.credentials });
  } finally {
    await connection.end();
  }
  return users;
}

/** A pool signed in as one of those users. */
export function poolAs(users: LocalDatabaseUsers, userName: string): Pool {
  const url = users.urls.get(userName);
  if (!url) throw new Error(`No database user ${userName}`);
  return createPool(mysqlOptionsFromUrl(url, 2));
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
export async function slotRows(
  pool: Pool,
  countryISO: CountryISO,
  scheduleId: number,
): Promise<{ appointment_id: string; status: string }[]> {
  const [rows] = await pool.query<(RowDataPacket & { appointment_id: string; status: string })[]>(
    'SELECT appointment_id, status FROM ??.appointments WHERE schedule_id = ? ORDER BY appointment_id',
    [countries[countryISO].mysqlSchema, scheduleId],
  );
  return rows.map((row) => ({ appointment_id: row.appointment_id, status: row.status }));
}
