import { readFile } from 'node:fs/promises';
import { getSecret } from '@aws-lambda-powertools/parameters/secrets';
import type { CdkCustomResourceHandler } from 'aws-lambda';
import { createPool } from 'mysql2/promise';
import { LAMBDA_RUNTIME_CA_BUNDLE, mysqlOptionsFromRdsSecret, type RdsSecret } from '../../core/adapters/mysql-connection';
import { migrateCountrySchemas } from '../../core/adapters/mysql-migrations';
import { countries } from '../../core/countries';
import { environment, requiredEnv } from '../../core/environment';
import { createLogger } from '../../core/logger';

const logger = createLogger('migrateCountrySchemas');

/** One resource stands for all the country schemas, so its id never changes (no replacement, no delete of the old one). */
const PHYSICAL_RESOURCE_ID = 'country-schemas';

/**
 * CloudFormation custom resource (through the CDK provider framework): creates
 * every country's MySQL schema and applies the migrations it has not seen yet,
 * with the same `migrateCountrySchemas` the local stack and the tests run.
 */
export const handler: CdkCustomResourceHandler = async (event) => {
  // Schemas hold the countries' appointments: removing the stack must not drop them.
  if (event.RequestType === 'Delete') return { PhysicalResourceId: event.PhysicalResourceId };

  const secret = await getSecret<RdsSecret>(requiredEnv(environment.mysqlSecretArn), { transform: 'json', forceFetch: true });
  if (!secret) throw new Error('The MySQL secret is empty');
  const pool = createPool(mysqlOptionsFromRdsSecret(secret, 1, await readFile(LAMBDA_RUNTIME_CA_BUNDLE)));
  try {
    const connection = await pool.getConnection();
    try {
      const applied = await migrateCountrySchemas(connection, Object.values(countries));
      logger.info('Country schemas migrated', { applied });
      return { PhysicalResourceId: PHYSICAL_RESOURCE_ID, Data: { applied: JSON.stringify(applied) } };
    } finally {
      connection.release();
    }
  } finally {
    await pool.end();
  }
};
