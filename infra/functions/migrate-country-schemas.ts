import { readFile } from 'node:fs/promises';
import { getSecret } from '@aws-lambda-powertools/parameters/secrets';
import type { CdkCustomResourceHandler } from 'aws-lambda';
import { createPool } from 'mysql2/promise';
import { LAMBDA_RUNTIME_CA_BUNDLE, mysqlOptionsFromRdsSecret, type RdsSecret } from '../../core/adapters/mysql-connection';
import { migrateCountrySchemas } from '../../core/adapters/mysql-migrations';
import { SecretsManagerDatabaseUserPasswords } from '../../core/adapters/secrets-manager-database-user-passwords';
import { countries } from '../../core/domain/countries';
import { databaseUserNamed, type RotatedDatabaseUsers } from '../../core/mysql/database-users';
import { environment, requiredEnv } from '../../core/config/environment';
import { createLogger, withLambdaContext } from '../../core/observability/logger';

const logger = createLogger('migrateCountrySchemas');

/** One resource stands for all the country schemas, so its id never changes (no replacement, no delete of the old one). */
const PHYSICAL_RESOURCE_ID = 'country-schemas';

/** One database user to create, and the secret that holds its generated password (the resource's `databaseUsers`). */
export interface DatabaseUserProperty {
  readonly username: string;
  readonly secretArn: string;
}

/**
 * CloudFormation custom resource (through the CDK provider framework): creates
 * every country's MySQL schema and applies the migrations it has not seen yet,
 * then creates each database user with the password in its secret and its declared
 * rights, with the same `migrateCountrySchemas` the local stack and the tests run.
 * A user's secret is read only when its password is set, after the migrations: the
 * secrets rotate on their own schedule, and a password read before a long migration
 * could undo a rotation that finished meanwhile.
 * It signs in as the master user, the only function that does.
 */
export const handler: CdkCustomResourceHandler = withLambdaContext(logger, async (event) => {
  // Schemas hold the countries' appointments, users sign them in: removing the stack must not drop them.
  if (event.RequestType === 'Delete') return { PhysicalResourceId: event.PhysicalResourceId };

  // Every user named must be declared, before any secret is read or MySQL reached.
  const rotatedUsers = declaredUsers(databaseUserProperties(event.ResourceProperties));
  const secret = await getSecret<RdsSecret>(requiredEnv(environment.mysqlSecretArn), { transform: 'json', forceFetch: true });
  if (!secret) throw new Error('The MySQL secret is empty');
  const pool = createPool(mysqlOptionsFromRdsSecret(secret, 1, await readFile(LAMBDA_RUNTIME_CA_BUNDLE)));
  try {
    const connection = await pool.getConnection();
    try {
      const applied = await migrateCountrySchemas(connection, Object.values(countries), { rotatedUsers });
      logger.info('Country schemas migrated', { applied, databaseUsers: rotatedUsers.users.map((user) => user.name) });
      return { PhysicalResourceId: PHYSICAL_RESOURCE_ID, Data: { applied: JSON.stringify(applied) } };
    } finally {
      connection.release();
    }
  } finally {
    await pool.end();
  }
});

function databaseUserProperties(properties: Record<string, unknown>): DatabaseUserProperty[] {
  const users = properties['databaseUsers'] ?? [];
  const valid = (user: unknown): user is DatabaseUserProperty =>
    typeof (user as DatabaseUserProperty | null)?.username === 'string' && typeof (user as DatabaseUserProperty).secretArn === 'string';
  if (!Array.isArray(users) || !users.every(valid))
    throw new Error('The resource property databaseUsers must be a list of { username, secretArn }');
  return users;
}

/** The declared users and where their passwords are kept; throws for a name nobody declared. */
function declaredUsers(properties: readonly DatabaseUserProperty[]): RotatedDatabaseUsers {
  const users = properties.map((property) => databaseUserNamed(property.username));
  const secretArns = new Map(properties.map((property) => [property.username, property.secretArn]));
  return { users, passwords: new SecretsManagerDatabaseUserPasswords(secretArns) };
}
