import type { MysqlPool, MysqlQueries } from './mysql-connection';

/** MySQL's codes for a deadlock and a lock wait timeout: what ran can run again. */
const RETRYABLE_LOCK_ERRORS = new Set(['ER_LOCK_DEADLOCK', 'ER_LOCK_WAIT_TIMEOUT']);
const MAX_ATTEMPTS = 3;

/**
 * Runs `attempt` again when MySQL gave up on a lock (concurrent inserts into one unique index, two
 * transactions waiting on each other's rows). Only for work that is safe to repeat as a whole.
 */
export async function withLockRetries<T>(attempt: () => Promise<T>): Promise<T> {
  for (let tries = 1; ; tries++) {
    try {
      return await attempt();
    } catch (error) {
      const code = (error as { code?: string }).code;
      if (tries >= MAX_ATTEMPTS || code === undefined || !RETRYABLE_LOCK_ERRORS.has(code)) throw error;
    }
  }
}

/**
 * `work` in one transaction on a connection of its own, committed when it resolves and rolled back when
 * it throws, retried whole on a deadlock or lock wait timeout. The connection goes back to the pool only
 * after COMMIT or ROLLBACK: a transaction left open there would hold its locks until the next borrower's
 * statements happened to end it. When even ROLLBACK fails the connection is destroyed instead (the server
 * rolls back what a closed connection left open).
 */
export function inTransaction<T>(pool: MysqlPool, work: (connection: MysqlQueries) => Promise<T>): Promise<T> {
  return withLockRetries(async () => {
    const connection = await pool.getConnection();
    let reusable = true;
    try {
      await connection.query('START TRANSACTION');
      const result = await work(connection);
      await connection.query('COMMIT');
      return result;
    } catch (error) {
      reusable = await connection.query('ROLLBACK').then(
        () => true,
        () => false,
      );
      throw error;
    } finally {
      if (reusable) connection.release();
      else connection.destroy();
    }
  });
}
