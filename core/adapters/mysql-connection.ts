import type { FieldPacket, PoolOptions, QueryResult } from 'mysql2/promise';

/** What the adapters need of a pool: mysql2's Pool is one, and so is ReauthenticatingPool. */
export interface MysqlQueries {
  query<T extends QueryResult>(sql: string, values?: unknown[]): Promise<[T, FieldPacket[]]>;
}

/** One connection taken from a pool, for a transaction: given back with `release`, or `destroy`ed when it can no longer be trusted. */
export interface MysqlConnection extends MysqlQueries {
  release(): void;
  destroy(): void;
}

/**
 * A pool that also hands out a connection of its own, for statements that must share one transaction
 * (core/adapters/mysql-transactions.ts): mysql2's Pool is one, and so is ReauthenticatingPool.
 */
export interface MysqlPool extends MysqlQueries {
  getConnection(): Promise<MysqlConnection>;
}

/**
 * Options every pool shares: UTC on the wire, so DATETIME columns hold UTC; the connection
 * in utf8mb4, so the server hands every value over in UTF-8 whatever a column's charset
 * (and mysql2 decodes it with Buffer, never with iconv-lite's code tables); several
 * statements per query, so a country batch is one round trip (every value stays a bound
 * parameter, escaped by mysql2).
 */
const common: PoolOptions = {
  timezone: 'Z',
  charset: 'UTF8MB4_UNICODE_CI',
  waitForConnections: true,
  enableKeepAlive: true,
  multipleStatements: true,
};

/** From a mysql://user:password@host:port URL (local stack, tests). */
export function mysqlOptionsFromUrl(url: string, connectionLimit: number): PoolOptions {
  return { ...common, uri: url, connectionLimit };
}

/** The JSON that RDS generates into Secrets Manager for a database's credentials. */
export interface RdsSecret {
  host: string;
  port: number | string;
  username: string;
  password: string;
}

/**
 * Where the Lambda Node.js runtime keeps Amazon's CA bundle, the RDS certificate authorities
 * included. Node 20 and later no longer load it at start (it slowed every cold start), so the
 * pool reads it for its own TLS connections only, once, when it first connects.
 */
export const LAMBDA_RUNTIME_CA_BUNDLE = '/var/runtime/ca-cert.pem';

/** `ca`: the PEM certificates to trust for the database (LAMBDA_RUNTIME_CA_BUNDLE's content in Lambda). */
export function mysqlOptionsFromRdsSecret(secret: RdsSecret, connectionLimit: number, ca: string | Buffer): PoolOptions {
  return {
    ...common,
    host: secret.host,
    port: Number(secret.port),
    user: secret.username,
    password: secret.password,
    connectionLimit,
    ssl: { ca, rejectUnauthorized: true },
  };
}
