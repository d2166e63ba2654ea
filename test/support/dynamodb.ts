import { DynamoDBDocumentClient, ScanCommand } from '@aws-sdk/lib-dynamodb';
import {
  ensureAppointmentsTable,
  ensureSlotReadModelTable,
  localDynamoDbClient,
  LOCAL_CREDENTIALS,
  LOCAL_REGION,
  startLocalDynamoDb,
} from '../../local/dynamodb/dynalite';

export interface TestTable {
  readonly endpoint: string;
  readonly tableName: string;
  /** The slot read model's table beside it (env SLOTS_TABLE_NAME), empty until a test puts slots in the catalog (`given.slotsInTheCatalog`). */
  readonly slotsTableName: string;
  readonly client: ReturnType<typeof localDynamoDbClient>;
  /** Environment that points a Lambda entry file's default SDK clients at this dynalite. */
  readonly lambdaEnv: Record<string, string>;
  /** Every item in the table. */
  items(): Promise<Record<string, unknown>[]>;
  stop(): Promise<void>;
}

/** A dynalite in this process with the appointments table and the slot read model's, as the local stack creates them. */
export async function startTestTable(tableName = 'appointments-test', slotsTableName = 'slots-test'): Promise<TestTable> {
  const dynamo = await startLocalDynamoDb();
  const client = localDynamoDbClient(dynamo.endpoint);
  await Promise.all([ensureAppointmentsTable(client, tableName), ensureSlotReadModelTable(client, slotsTableName)]);
  return {
    endpoint: dynamo.endpoint,
    tableName,
    slotsTableName,
    client,
    lambdaEnv: {
      AWS_REGION: LOCAL_REGION,
      AWS_ACCESS_KEY_ID: LOCAL_CREDENTIALS.accessKeyId,
      AWS_SECRET_ACCESS_KEY: LOCAL_CREDENTIALS.secretAccessKey,
      AWS_ENDPOINT_URL_DYNAMODB: dynamo.endpoint,
    },
    items: async () => {
      const result = await DynamoDBDocumentClient.from(client).send(new ScanCommand({ TableName: tableName, ConsistentRead: true }));
      return result.Items ?? [];
    },
    stop: async () => {
      client.destroy();
      await dynamo.close();
    },
  };
}
