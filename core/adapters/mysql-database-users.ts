import { escapeId, type Connection, type RowDataPacket } from 'mysql2/promise';
import type { DatabaseUser, DatabaseUserCredentials } from '../mysql/database-users';

/** Every user signs in from any host: the network (security groups locally, 127.0.0.1) decides who reaches the server. */
const ANY_HOST = '%';
/** MySQL user names are at most 32 characters; ours are written into GRANTEE strings, so letters, digits and _ only. */
const USER_NAME = /^[a-z][a-z0-9_]{0,31}$/;
/** Privilege names as the server lists them (`SELECT`, `CREATE VIEW`, `SHOW_ROUTINE`), before they go into a REVOKE. */
const PRIVILEGE_NAME = /^[A-Z][A-Z_ ]*$/;

/**
 * Creates the user if it does not exist, sets its password, grants what it is declared
 * to have and revokes whatever else it holds (global, schema and table rights, and the
 * right to grant), so a re-run converges on the declaration. Grants come before the
 * revokes, so a worker signed in meanwhile never loses a right it is meant to keep.
 */
export async function applyDatabaseUser(connection: Connection, { user, password }: DatabaseUserCredentials): Promise<void> {
  if (!USER_NAME.test(user.name)) throw new Error(`${user.name} is not a database user name this project uses (${USER_NAME.source})`);
  await connection.query('CREATE USER IF NOT EXISTS ?@? IDENTIFIED BY ?', [user.name, ANY_HOST, password]);
  // On every run: the password is the current one of its secret (AWS) or of this stack (local).
  await connection.query('ALTER USER ?@? IDENTIFIED BY ?', [user.name, ANY_HOST, password]);
  for (const grant of user.grants) {
    await connection.query(`GRANT ${grant.privileges.join(', ')} ON ??.?? TO ?@?`, [grant.schema, grant.table, user.name, ANY_HOST]);
  }
  for (const revoke of await undeclaredRights(connection, user)) {
    await connection.query(`REVOKE ${revoke.privilege} ON ${revoke.on} FROM ?@?`, [user.name, ANY_HOST]);
  }
}

interface Held {
  /** A privilege name, or GRANT OPTION. */
  readonly privilege: string;
  /** `*.*`, `` `schema`.* `` or `` `schema`.`table` ``, escaped. */
  readonly on: string;
}

/** What the user holds beyond its declaration, read from information_schema (the same views in MySQL and MariaDB). */
async function undeclaredRights(connection: Connection, user: DatabaseUser): Promise<Held[]> {
  const grantee = `'${user.name}'@'${ANY_HOST}'`;
  const declared = new Set(
    user.grants.flatMap((grant) => grant.privileges.map((privilege) => `${tableScope(grant.schema, grant.table)} ${privilege}`)),
  );
  const [global] = await connection.query<PrivilegeRow[]>(
    'SELECT PRIVILEGE_TYPE AS privilege, IS_GRANTABLE AS grantable FROM information_schema.USER_PRIVILEGES WHERE GRANTEE = ?',
    [grantee],
  );
  const [schema] = await connection.query<PrivilegeRow[]>(
    'SELECT TABLE_SCHEMA AS schemaName, PRIVILEGE_TYPE AS privilege, IS_GRANTABLE AS grantable FROM information_schema.SCHEMA_PRIVILEGES WHERE GRANTEE = ?',
    [grantee],
  );
  const [table] = await connection.query<PrivilegeRow[]>(
    'SELECT TABLE_SCHEMA AS schemaName, TABLE_NAME AS tableName, PRIVILEGE_TYPE AS privilege, IS_GRANTABLE AS grantable FROM information_schema.TABLE_PRIVILEGES WHERE GRANTEE = ?',
    [grantee],
  );
  const held: { row: PrivilegeRow; on: string }[] = [
    // USAGE is "no privileges": every user has it.
    ...global.filter((row) => row.privilege !== 'USAGE' || row.grantable === 'YES').map((row) => ({ row, on: '*.*' })),
    ...schema.map((row) => ({ row, on: `${escapeId(row.schemaName ?? '')}.*` })),
    ...table.map((row) => ({ row, on: tableScope(row.schemaName ?? '', row.tableName ?? '') })),
  ];
  // information_schema lists only the rights its reader may see: what was just granted must be among them.
  const seen = new Set(held.map(({ row, on }) => `${on} ${row.privilege}`));
  if ([...declared].some((right) => !seen.has(right))) {
    throw new Error(
      `The migrating user cannot see the rights of ${grantee} in information_schema: it needs SELECT on the mysql system schema`,
    );
  }
  const undeclared: Held[] = [];
  for (const { row, on } of held) {
    if (!PRIVILEGE_NAME.test(row.privilege))
      throw new Error(`Unexpected privilege name ${JSON.stringify(row.privilege)} held by ${grantee}`);
    if (row.privilege !== 'USAGE' && !declared.has(`${on} ${row.privilege}`)) undeclared.push({ privilege: row.privilege, on });
    if (row.grantable === 'YES') undeclared.push({ privilege: 'GRANT OPTION', on });
  }
  // One GRANT OPTION per scope is enough, and revoking it twice is an error.
  return undeclared.filter(
    (right, index) => undeclared.findIndex((other) => other.privilege === right.privilege && other.on === right.on) === index,
  );
}

function tableScope(schema: string, table: string): string {
  return `${escapeId(schema)}.${escapeId(table)}`;
}

interface PrivilegeRow extends RowDataPacket {
  privilege: string;
  grantable: 'YES' | 'NO';
  schemaName?: string;
  tableName?: string;
}
