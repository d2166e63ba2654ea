import { randomBytes } from 'node:crypto';
import { databaseUsers, type DatabaseUser, type DatabaseUserCredentials } from '../../core/mysql/database-users';

/** The database users of one local stack: the passwords the migrations give them, and how each signs in. */
export interface LocalDatabaseUsers {
  readonly credentials: readonly DatabaseUserCredentials[];
  /** Each user's mysql://name:password@host:port on the server of the admin URL, by user name. */
  readonly urls: ReadonlyMap<string, string>;
}

/**
 * Fresh random passwords for every declared user, made per stack and never written to disk
 * (AWS keeps them in Secrets Manager instead). The migrations set them, so on a server
 * shared by two stacks the later start wins and the earlier one's new connections are refused.
 */
export function localDatabaseUsers(adminUrl: string, users: readonly DatabaseUser[] = databaseUsers()): LocalDatabaseUsers {
  const credentials = users.map((user) => ({ user, password: randomBytes(18).toString('base64url') }));
  return { credentials, urls: new Map(credentials.map(({ user, password }) => [user.name, mysqlUrlAs(adminUrl, user.name, password)])) };
}

/** The admin URL's server, signed in as another user. */
export function mysqlUrlAs(adminUrl: string, user: string, password: string): string {
  const url = new URL(adminUrl);
  url.username = encodeURIComponent(user);
  url.password = encodeURIComponent(password);
  return url.toString();
}
