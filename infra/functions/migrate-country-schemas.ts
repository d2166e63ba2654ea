import { readFile } from 'node:fs/promises';
import { getSecret } from '@aws-lambda-powertools/parameters/secrets';
import type { CdkCustomResourceHandler } from 'aws-lambda';
import { createPool } from 'mysql2/promise';
import { LAMBDA_RUNTIME_CA_BUNDLE, mysqlOptionsFromRdsSecret, type RdsSecret } from '../../core/adapters/mysql-connection';
import { migrateCountrySchemas } from '../../core/adapters/mysql-migrations';
import { countries } from '../../core/countries';
import { databaseUserNamed, type DatabaseUser, type DatabaseUserCredentials } from '../../core/mysql/database-users';
import { environment, requiredEnv } from '../../core/environment';
import { createLogger } from '../../core/logger';

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
 * It signs in as the master user, the only function that does.
 */
export const handler: CdkCustomResourceHandler = async (event) => {
  // Schemas hold the countries' appointments, users sign them in: removing the stack must not drop them.
  if (event.RequestType === 'Delete') return { PhysicalResourceId: event.PhysicalResourceId };

  // Every user named must be declared, before any secret is read.
  const declared = databaseUserProperties(event.ResourceProperties).map((property) => ({ user: databaseUserNamed(property.username), secretArn: property.secretArn }));
  const users = await Promise.all(declared.map(({ user, secretArn }) => credentialsOf(user, secretArn)));
  const secret = await getSecret<RdsSecret>(requiredEnv(environment.mysqlSecretArn), { transform: 'json', forceFetch: true });
  if (!secret) throw new Error('The MySQL secret is empty');
  const pool = createPool(mysqlOptionsFromRdsSecret(secret, 1, await readFile(LAMBDA_RUNTIME_CA_BUNDLE)));
  try {
    const connection = await pool.getConnection();
    try {
      const applied = await migrateCountrySchemas(connection, Object.values(countries), { users });
      logger.info('Country schemas migrated', { applied, databaseUsers: users.map(({ user }) => user.name) });
      return { PhysicalResourceId: PHYSICAL_RESOURCE_ID, Data: { applied: JSON.stringify(applied) } };
    } finally {
      connection.release();
    }
  } finally {
    await pool.end();
  }
};

function databaseUserProperties(properties: Record<string, unknown>): DatabaseUserProperty[] {
  const users = properties['databaseUsers'] ?? [];
  const valid = (user: unknown): user is DatabaseUserProperty =>
    typeof (user as DatabaseUserProperty | null)?.username === 'string' && typeof (user as DatabaseUserProperty).secretArn === 'string';
  if (!Array.isArray(users) || !users.every(valid)) throw new Error('The resource property databaseUsers must be a list of { username, secretArn }');
  return users;
}

/** The declared user and the current password of its secret (never a cached one: a rotation may just have changed it). */
async function credentialsOf(user: DatabaseUser, secretArn: string): Promise<DatabaseUserCredentials> {
  const secret = await getSecret<RdsSecret>(secretArn, { transform: 'json', forceFetch: true });
  if (secret?.username !== user.name || !secret.password) throw new Error(`The secret ${secretArn} holds no password for ${user.name}`);
  return { user, password: secret.password };
}
