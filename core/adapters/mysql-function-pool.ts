import { readFile } from 'node:fs/promises';
import { getSecret } from '@aws-lambda-powertools/parameters/secrets';
import { createPool, type PoolOptions } from 'mysql2/promise';
import { environment, requiredEnv } from '../config/environment';
import type { StructuredLogger } from '../ports';
import {
  LAMBDA_RUNTIME_CA_BUNDLE,
  mysqlOptionsFromRdsSecret,
  mysqlOptionsFromUrl,
  type MysqlPool,
  type RdsSecret,
} from './mysql-connection';
import { ReauthenticatingPool } from './mysql-reauthenticating-pool';

/**
 * The MySQL a function signs in to as its own database user: `MYSQL_URL` locally, else the
 * user's secret (MYSQL_SECRET_ARN) in AWS. The credentials never sit in the environment in
 * AWS: they are read at cold start, and again when MySQL refuses them (the secret was rotated).
 */
export async function mysqlPoolOfThisFunction(mysqlUser: string, logger: StructuredLogger): Promise<MysqlPool> {
  const connectionLimit = Number(process.env[environment.mysqlConnectionLimit] ?? 2);
  const url = process.env[environment.mysqlUrl];
  if (url) return createPool(mysqlOptionsFromUrl(url, connectionLimit));
  const fromSecret = async (fresh: boolean): Promise<PoolOptions> => {
    const secret = await getSecret<RdsSecret>(requiredEnv(environment.mysqlSecretArn), { transform: 'json', forceFetch: fresh });
    if (!secret) throw new Error('The MySQL secret is empty');
    return mysqlOptionsFromRdsSecret(secret, connectionLimit, await readFile(LAMBDA_RUNTIME_CA_BUNDLE));
  };
  return ReauthenticatingPool.open(fromSecret, () =>
    logger.warn('MySQL refused the cached credentials; signed in again with the secret as it is now (rotated)', { mysqlUser }),
  );
}
