import type { PoolOptions } from 'mysql2/promise';

/**
 * Options every pool shares: UTC on the wire, so DATETIME columns hold UTC; several
 * statements per query, so a country batch is one round trip (every value stays a
 * bound parameter, escaped by mysql2).
 */
const common: PoolOptions = { timezone: 'Z', waitForConnections: true, enableKeepAlive: true, multipleStatements: true };

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

export function mysqlOptionsFromRdsSecret(secret: RdsSecret, connectionLimit: number): PoolOptions {
  return {
    ...common,
    host: secret.host,
    port: Number(secret.port),
    user: secret.username,
    password: secret.password,
    connectionLimit,
    // mysql2's bundled profile trusts the RDS certificate authorities.
    ssl: 'Amazon RDS',
  };
}
