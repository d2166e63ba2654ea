import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { scanAppointments } from '../core/adapters/dynamodb-appointment-items';
import { DynamoDbSlotReadModel } from '../core/adapters/dynamodb-slot-read-model';
import { mysqlPoolOfThisFunction } from '../core/adapters/mysql-function-pool';
import { rowsOfEveryCountry } from '../core/adapters/mysql-country-rows';
import { slotStatesOf } from '../core/adapters/mysql-slot-catalog';
import { PowertoolsPipelineMetrics } from '../core/adapters/powertools-pipeline-metrics';
import { countries } from '../core/domain/countries';
import { environment, requiredEnv } from '../core/config/environment';
import { createLogger, withLambdaContext } from '../core/observability/logger';
import type { MysqlQueries } from '../core/adapters/mysql-connection';
import { RECONCILER_USER_NAME } from '../core/mysql/database-users';
import { PIPELINE_RETRY_WINDOW_MS, reportReconciliation } from '../core/use-cases/reconcile-appointments';

const logger = createLogger('reconciler');
const metrics = new PowertoolsPipelineMetrics();
const dynamodb = new DynamoDBClient({});
const appointmentsTableName = requiredEnv(environment.appointmentsTableName);
const documents = DynamoDBDocumentClient.from(dynamodb);
const slotReadModel = new DynamoDbSlotReadModel(dynamodb, requiredEnv(environment.slotsTableName));
// Signed in as the read-only reconciler user: reconciling reads, and a mistake here can write nothing.
let pool: Promise<MysqlQueries> | undefined;
// Locally without MySQL the country rows and catalogs live in each worker's memory: only DynamoDB is checked.
const withoutMysql = process.env[environment.countryStore] === 'memory';

function mysql(): Promise<MysqlQueries> {
  pool ??= mysqlPoolOfThisFunction(RECONCILER_USER_NAME, logger).catch((error: unknown) => {
    pool = undefined;
    throw error;
  });
  return pool;
}

async function* countryRows() {
  if (withoutMysql) return;
  yield* rowsOfEveryCountry(await mysql(), Object.values(countries));
}

async function* countrySlots() {
  const queries = await mysql();
  for (const country of Object.values(countries)) yield* slotStatesOf(queries, country);
}

/** Run on a schedule (EventBridge Scheduler in AWS, the local scheduler under npm start): what the retries could not settle. */
export const handler = withLambdaContext(logger, async (): Promise<void> => {
  await reportReconciliation(PIPELINE_RETRY_WINDOW_MS, {
    appointments: () => scanAppointments(documents, appointmentsTableName),
    countryRows,
    ...(!withoutMysql && { slots: { readModelSlots: () => slotReadModel.slotStates(), countrySlots } }),
    metrics,
    logger,
  });
});
