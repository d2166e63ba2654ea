import { countries, type Country } from '../domain/countries';

/**
 * Who signs in to the country databases, and exactly what each may do there. The
 * migrations create these users and bring their rights to this declaration on every
 * run (what is missing is granted, anything else revoked), so the declaration is the
 * whole truth. The master user (AWS) or the MYSQL_URL user (local) is the migrations' own.
 */
export type TablePrivilege = 'SELECT' | 'INSERT' | 'UPDATE' | 'DELETE';

export interface TableGrant {
  readonly schema: string;
  readonly table: string;
  readonly privileges: readonly TablePrivilege[];
}

export interface DatabaseUser {
  /** The MySQL user name; it signs in from any host (`'name'@'%'`): the network decides who reaches the server. */
  readonly name: string;
  readonly grants: readonly TableGrant[];
}

/** A user and the password the migrations give it, known up front (local: generated per stack, never rotated). */
export interface DatabaseUserCredentials {
  readonly user: DatabaseUser;
  readonly password: string;
}

/**
 * Where each database user's password is kept and rotated (AWS: the user's secret, which Secrets
 * Manager's rotation changes on its own schedule). Whatever is read from it is stale as soon as a
 * rotation finishes, so it is asked only at the moment the password is set.
 */
export interface DatabaseUserPasswords {
  /** The user's password as it is kept now; throws when none is kept for that user. */
  currentPasswordOf(user: DatabaseUser): Promise<string>;
}

/** Users whose passwords are kept elsewhere and may rotate while the migrations run. */
export interface RotatedDatabaseUsers {
  readonly users: readonly DatabaseUser[];
  readonly passwords: DatabaseUserPasswords;
}

/**
 * What the country worker's statements need, table by table. Nothing is ever deleted, and the worker
 * never touches schema_migrations.
 * - appointments (MysqlCountryAppointments): INSERT … ON DUPLICATE KEY UPDATE (INSERT, UPDATE, and SELECT
 *   for the columns its UPDATE reads) and the read-back SELECT; the catalog reads who holds a slot.
 * - the catalog (MysqlSlotCatalog): centres, specialties and doctors upserted (INSERT … ON DUPLICATE KEY
 *   UPDATE); slots inserted, withdrawn and their versions bumped (UPDATE), and locked with SELECT … FOR UPDATE,
 *   which MySQL allows with SELECT and UPDATE (the booking's statement locks them too).
 */
const COUNTRY_WORKER_TABLES: readonly string[] = ['appointments', 'centres', 'specialties', 'doctors', 'slots'];
const COUNTRY_WORKER_PRIVILEGES: readonly TablePrivilege[] = ['SELECT', 'INSERT', 'UPDATE'];

/** What reconciliation reads in each country: the appointments and the catalog it compares the read model with. */
const RECONCILED_TABLES: readonly string[] = COUNTRY_WORKER_TABLES;

/** The read-only user of the scheduled reconciler (AWS and npm start) and of `npm run reconcile`. */
export const RECONCILER_USER_NAME = 'appointments_reconcile';

export function countryWorkerUser(country: Country): DatabaseUser {
  return {
    name: country.mysqlUser,
    grants: COUNTRY_WORKER_TABLES.map((table) => ({ schema: country.mysqlSchema, table, privileges: COUNTRY_WORKER_PRIVILEGES })),
  };
}

export function reconcilerUser(countriesToRead: readonly Country[] = Object.values(countries)): DatabaseUser {
  return {
    name: RECONCILER_USER_NAME,
    grants: countriesToRead.flatMap((country) =>
      RECONCILED_TABLES.map((table): TableGrant => ({ schema: country.mysqlSchema, table, privileges: ['SELECT'] })),
    ),
  };
}

/** Every user the migrations manage: one per country worker, and the reconciler. */
export function databaseUsers(countriesToServe: readonly Country[] = Object.values(countries)): DatabaseUser[] {
  return [...countriesToServe.map(countryWorkerUser), reconcilerUser(countriesToServe)];
}

/** The declared user of that name; an error for a name nobody declared (a typo in a deploy's properties). */
export function databaseUserNamed(name: string): DatabaseUser {
  const user = databaseUsers().find((candidate) => candidate.name === name);
  if (!user) throw new Error(`No database user ${name} is declared in core/mysql/database-users.ts`);
  return user;
}
