import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDbAppointmentRepository } from '../core/adapters/dynamodb-appointment-repository';
import { mysqlPoolOfThisFunction } from '../core/adapters/mysql-function-pool';
import { rowsOfEveryCountry } from '../core/adapters/mysql-country-appointments';
import { PowertoolsPipelineMetrics } from '../core/adapters/powertools-pipeline-metrics';
import { countries } from '../core/domain/countries';
import { environment, requiredEnv } from '../core/config/environment';
import { createLogger, withLambdaContext } from '../core/observability/logger';
import type { MysqlQueries } from '../core/adapters/mysql-connection';
import { RECONCILER_USER_NAME } from '../core/mysql/database-users';
import { PIPELINE_RETRY_WINDOW_MS, reportReconciliation } from '../core/use-cases/reconcile-appointments';

const logger = createLogger('reconciler');
const metrics = new PowertoolsPipelineMetrics();
const appointments = new DynamoDbAppointmentRepository(new DynamoDBClient({}), requiredEnv(environment.appointmentsTableName));
// Signed in as the read-only reconciler user: reconciling reads, and a mistake here can write nothing.
let pool: Promise<MysqlQueries> | undefined;

async function* countryRows() {
  // Locally without MySQL the country rows live in each worker's memory: only DynamoDB is checked.
  if (process.env[environment.countryStore] === 'memory') return;
  pool ??= mysqlPoolOfThisFunction(RECONCILER_USER_NAME, logger).catch((error: unknown) => {
    pool = undefined;
    throw error;
  });
  const queries = await pool;
  yield* rowsOfEveryCountry(queries, Object.values(countries));
}

/** Run on a schedule (EventBridge Scheduler in AWS, the local scheduler under npm start): what the retries could not settle. */
export const handler = withLambdaContext(logger, async (): Promise<void> => {
  await reportReconciliation(PIPELINE_RETRY_WINDOW_MS, { appointments: () => appointments.scanAll(), countryRows, metrics, logger });
});
