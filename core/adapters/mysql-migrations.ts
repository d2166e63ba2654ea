import type { Connection, RowDataPacket } from 'mysql2/promise';
import type { Country } from '../domain/countries';
import type { DatabaseUser, DatabaseUserCredentials, RotatedDatabaseUsers } from '../mysql/database-users';
import { countrySchemaMigrations, type Migration } from '../mysql/migrations';
import { applyDatabaseUser } from './mysql-database-users';

const LOCK_NAME = 'appointments_country_schema_migrations';
const LOCK_TIMEOUT_SECONDS = 60;

export interface CountrySchemaMigrationOptions {
  /** Default: every migration in core/mysql/migrations.ts. */
  readonly migrations?: readonly Migration[];
  /** Users to create or update with these passwords, their rights brought to their declaration (core/mysql/database-users.ts). */
  readonly users?: readonly DatabaseUserCredentials[];
  /** The same for users whose passwords rotate where they are kept (AWS: their secrets): each is read right before it is set. */
  readonly rotatedUsers?: RotatedDatabaseUsers;
}

/** A user to apply and how to get the password it is to have at that moment. */
interface UserToApply {
  readonly user: DatabaseUser;
  readonly currentPassword: () => Promise<string>;
}

/**
 * Creates each country's schema and applies the migrations it has not seen yet, then
 * the database users given. A named lock keeps two runners (two test files, two
 * deploys) from racing. The connection's user must be able to create users and grant
 * (RDS's master user; locally the MYSQL_URL user). Returns the versions applied, per schema.
 */
export async function migrateCountrySchemas(
  connection: Connection,
  countriesToMigrate: readonly Country[],
  { migrations = countrySchemaMigrations, users = [], rotatedUsers }: CountrySchemaMigrationOptions = {},
): Promise<Record<string, number[]>> {
  const usersToApply = [...users.map(withKnownPassword), ...rotatedUsersToApply(rotatedUsers)];
  const [[lock]] = await connection.query<LockRow[]>('SELECT GET_LOCK(?, ?) AS acquired', [LOCK_NAME, LOCK_TIMEOUT_SECONDS]);
  if (lock?.acquired !== 1) throw new Error(`Could not take the migration lock within ${LOCK_TIMEOUT_SECONDS}s`);
  try {
    const applied: Record<string, number[]> = {};
    for (const country of countriesToMigrate) {
      applied[country.mysqlSchema] = await migrateSchema(connection, country.mysqlSchema, migrations);
    }
    // After the schemas: a grant names a table, which must exist. Each password is read only now, one user at
    // a time: one read before a long migration could be older than a rotation that finished meanwhile, and
    // setting it would lock that user's functions out until the next rotation.
    for (const { user, currentPassword } of usersToApply) await applyDatabaseUser(connection, { user, password: await currentPassword() });
    return applied;
  } finally {
    await connection.query('SELECT RELEASE_LOCK(?)', [LOCK_NAME]);
  }
}

function withKnownPassword({ user, password }: DatabaseUserCredentials): UserToApply {
  return { user, currentPassword: () => Promise.resolve(password) };
}

function rotatedUsersToApply(rotated: RotatedDatabaseUsers | undefined): UserToApply[] {
  if (!rotated) return [];
  return rotated.users.map((user) => ({ user, currentPassword: () => rotated.passwords.currentPasswordOf(user) }));
}

async function migrateSchema(connection: Connection, schema: string, migrations: readonly Migration[]): Promise<number[]> {
  // The runner's own statements name the schema; prepared statements are cached by their
  // text, and an unqualified one would stay bound to the schema it was first prepared in.
  await connection.query('CREATE DATABASE IF NOT EXISTS ?? CHARACTER SET utf8mb4', [schema]);
  await connection.query(
    `CREATE TABLE IF NOT EXISTS ??.schema_migrations (
      version INT UNSIGNED NOT NULL PRIMARY KEY,
      description VARCHAR(255) NOT NULL,
      applied_at DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3)
    )`,
    [schema],
  );
  const [rows] = await connection.query<VersionRow[]>('SELECT version FROM ??.schema_migrations', [schema]);
  const done = new Set(rows.map((row) => row.version));
  const applied: number[] = [];
  for (const migration of [...migrations].sort((a, b) => a.version - b.version)) {
    if (done.has(migration.version)) continue;
    // Migrations are written unqualified, for whichever country schema they run in.
    // MySQL commits DDL implicitly, so each statement stands alone; the version is recorded last.
    await connection.query('USE ??', [schema]);
    for (const statement of migration.statements) await connection.query(statement);
    await connection.query('INSERT INTO ??.schema_migrations (version, description) VALUES (?, ?)', [
      schema,
      migration.version,
      migration.description,
    ]);
    applied.push(migration.version);
  }
  return applied;
}

interface LockRow extends RowDataPacket {
  acquired: number | null;
}
interface VersionRow extends RowDataPacket {
  version: number;
}
