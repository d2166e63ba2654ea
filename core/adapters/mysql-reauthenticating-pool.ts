import { createPool, type FieldPacket, type Pool, type PoolConnection, type PoolOptions, type QueryResult } from 'mysql2/promise';
import type { MysqlPool } from './mysql-connection';

/** The pool options from the credentials' source; `fresh` skips any cache (after the server refused the cached ones). */
export type MysqlCredentialsSource = (fresh: boolean) => Promise<PoolOptions>;

/** MySQL's answer to a sign-in with a wrong password (1045): the password was rotated since it was read. */
const ACCESS_DENIED = 'ER_ACCESS_DENIED_ERROR';
/** mysql2's error for a query that waited for a connection of a pool that has since been ended. */
const POOL_CLOSED = 'Pool is closed.';

/**
 * A pool whose credentials come from a secret that is rotated. Rotation changes the password
 * in MySQL and then in the secret; connections already open stay signed in, new ones are
 * refused. When the server refuses a new connection, this pool reads the credentials again,
 * bypassing any cache, replaces its pool and runs the query once more: nothing ran on a
 * refused connection, so the retry cannot apply anything twice. While the secret still holds
 * the old password (between the two steps of a rotation) the query fails and its message is
 * retried by its queue.
 */
export class ReauthenticatingPool implements MysqlPool {
  private replacing: Promise<Pool> | undefined;

  private constructor(
    private current: Pool,
    private readonly credentials: MysqlCredentialsSource,
    private readonly onReauthenticated: () => void,
  ) {}

  /** Reads the credentials (cached ones will do) and opens the pool; fails if they cannot be read. */
  static async open(credentials: MysqlCredentialsSource, onReauthenticated: () => void = () => undefined): Promise<ReauthenticatingPool> {
    return new ReauthenticatingPool(createPool(await credentials(false)), credentials, onReauthenticated);
  }

  query<T extends QueryResult>(sql: string, values?: unknown[]): Promise<[T, FieldPacket[]]> {
    return this.withCurrentCredentials((pool) => pool.query<T>(sql, values));
  }

  /** A connection for a transaction: signing it in is what a rotation refuses, and nothing has run on it then. */
  getConnection(): Promise<PoolConnection> {
    return this.withCurrentCredentials((pool) => pool.getConnection());
  }

  private async withCurrentCredentials<T>(use: (pool: Pool) => Promise<T>): Promise<T> {
    const pool = this.current;
    try {
      return await use(pool);
    } catch (error) {
      const replacedMeanwhile = pool !== this.current && (error as Error).message === POOL_CLOSED;
      if (!replacedMeanwhile && (error as { code?: string }).code !== ACCESS_DENIED) throw error;
      return use(await this.replace(pool));
    }
  }

  end(): Promise<void> {
    return this.current.end();
  }

  /** Several queries may be refused at once: the first reads the credentials again, the others wait for its pool. */
  private replace(refused: Pool): Promise<Pool> {
    if (refused !== this.current) return Promise.resolve(this.current);
    this.replacing ??= this.credentials(true)
      .then((options) => {
        this.current = createPool(options);
        this.onReauthenticated();
        // Its open connections finish what they run first: mysql2 queues the quit behind them.
        refused.end().catch(() => undefined);
        return this.current;
      })
      .finally(() => {
        this.replacing = undefined;
      });
    return this.replacing;
  }
}
