import { createConnection } from 'mysql2/promise';
import { migrateCountrySchemas } from '../../core/adapters/mysql-migrations';
import { countries } from '../../core/domain/countries';
import { MYSQL_INSTALL_HINT, provideMysql, type MysqlServer } from '../../local/mysql/mysql-server';

/** Read by the tests that need MySQL; unset means they skip (never under CI=true). */
export const TEST_MYSQL_URL = 'TEST_MYSQL_URL';

declare global {
  var appointmentsTestMysql: MysqlServer | undefined;
}

export default async function startMysqlForTests(): Promise<void> {
  const mysql = await provideMysql();
  if (!mysql) {
    const message = `No MySQL server: the tests that need MySQL are SKIPPED. To run them, ${MYSQL_INSTALL_HINT}.`;
    if (process.env.CI === 'true') throw new Error(`CI=true requires MySQL. ${message}`);
    process.stderr.write(`\n${'!'.repeat(100)}\n${message}\n${'!'.repeat(100)}\n\n`);
    return;
  }
  const connection = await createConnection({ uri: mysql.url });
  try {
    await migrateCountrySchemas(connection, Object.values(countries));
  } finally {
    await connection.end();
  }
  globalThis.appointmentsTestMysql = mysql;
  // Test workers start after global setup and inherit this.
  process.env[TEST_MYSQL_URL] = mysql.url;
}
