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
 * What MysqlCountryAppointments' statements need: INSERT … ON DUPLICATE KEY UPDATE
 * (INSERT, UPDATE, and SELECT for the columns its UPDATE reads) and the read-back SELECT.
 * Nothing is ever deleted, and the worker never touches schema_migrations.
 */
const COUNTRY_WORKER_PRIVILEGES: readonly TablePrivilege[] = ['SELECT', 'INSERT', 'UPDATE'];

/** The read-only user of the scheduled reconciler (AWS and npm start) and of `npm run reconcile`. */
export const RECONCILER_USER_NAME = 'appointments_reconcile';

export function countryWorkerUser(country: Country): DatabaseUser {
  return {
    name: country.mysqlUser,
    grants: [{ schema: country.mysqlSchema, table: 'appointments', privileges: COUNTRY_WORKER_PRIVILEGES }],
  };
}

export function reconcilerUser(countriesToRead: readonly Country[] = Object.values(countries)): DatabaseUser {
  return {
    name: RECONCILER_USER_NAME,
    grants: countriesToRead.map((country) => ({ schema: country.mysqlSchema, table: 'appointments', privileges: ['SELECT'] })),
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
