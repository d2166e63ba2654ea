import { createHash } from 'node:crypto';
import {
  CreateTableCommand,
  DescribeTableCommand,
  DynamoDBClient,
  ResourceInUseException,
  type CreateTableCommandInput,
} from '@aws-sdk/client-dynamodb';
import dynalite from 'dynalite';
import type { IncomingMessage } from 'node:http';
import { inFlightRequests, listenOnLoopback } from '../network';
import { meterBilledCapacity, type DynamoDbUsage } from './billed-capacity';
import { appointmentsTableDefinition } from '../../core/config/appointments-table';
import { idempotencyRecordAttributes } from '../../core/config/idempotency-records';
import { slotReadModelTableDefinition } from '../../core/config/slot-read-model';

/** Credentials dynalite accepts (it checks only that some are sent). */
export const LOCAL_CREDENTIALS = { accessKeyId: 'local', secretAccessKey: 'local' };
export const LOCAL_REGION = 'us-east-1';

export interface LocalDynamoDb {
  readonly endpoint: string;
  /**
   * Requests served so far, for the benchmark's call counts: by operation (`PutItem`, `UpdateItem`, …), and by
   * `<caller> <operation>` where the caller names itself with the SDK's app id (the local functions do).
   */
  readonly operations: ReadonlyMap<string, number>;
  /** Request units on demand billed so far (local/dynamodb/billed-capacity.ts). */
  usage(): DynamoDbUsage;
  close(): Promise<void>;
}

/** dynalite in this process: in memory, or on disk under `path`. */
export async function startLocalDynamoDb(options: { path?: string; port?: number } = {}): Promise<LocalDynamoDb> {
  const server = dynalite({ createTableMs: 0, deleteTableMs: 0, updateTableMs: 0, ...(options.path ? { path: options.path } : {}) });
  const capacity = meterBilledCapacity(server);
  const endpoint = await listenOnLoopback(server, options.port);
  const requests = inFlightRequests(server);
  const operations = new Map<string, number>();
  server.prependListener('request', (request: IncomingMessage) => {
    // X-Amz-Target: DynamoDB_20120810.<Operation>
    const operation = String(request.headers['x-amz-target'] ?? '').split('.')[1] ?? 'unknown';
    operations.set(operation, (operations.get(operation) ?? 0) + 1);
    // The SDK puts AWS_SDK_UA_APP_ID in its user agent as `app/<id>` (Powertools appends its mark to the id): see sdkAppIdOf.
    const caller = /\bapp\/(\S+)/.exec(String(request.headers['user-agent'] ?? ''))?.[1];
    if (caller) operations.set(`${caller} ${operation}`, (operations.get(`${caller} ${operation}`) ?? 0) + 1);
  });
  return {
    endpoint,
    operations,
    usage: () => capacity.usage(),
    // A function stopped mid-write leaves its request to dynalite: it answers before the server closes. A store in
    // memory is never closed: a request that outlived the grace (a loaded machine) finishes harmlessly; one on disk
    // is closed, so that its writes are flushed.
    close: () => requests.closeWhenAnswered(options.path ? 30_000 : 5_000, { closeStore: options.path !== undefined }),
  };
}

/**
 * Local only: the SDK app id (AWS_SDK_UA_APP_ID) the stack gives a function, so that the calls counted in `operations`
 * name their caller (`<id>/PT/… <operation>`). Short, not the function's name: Powertools appends its own mark of about
 * 25 characters, and the SDK warns, on every request, of an app id over 50, a line that crosses threads each time.
 */
export function sdkAppIdOf(functionName: string): string {
  return `fn-${createHash('sha256').update(functionName).digest('hex').slice(0, 8)}`;
}

export function localDynamoDbClient(endpoint: string): DynamoDBClient {
  return new DynamoDBClient({ endpoint, region: LOCAL_REGION, credentials: LOCAL_CREDENTIALS });
}

/** Creates the appointments table with the keys the CDK stack declares; an existing one is kept. */
export async function ensureAppointmentsTable(client: DynamoDBClient, tableName: string): Promise<void> {
  await createTableUnlessItExists(client, appointmentsTableDefinition(tableName));
  await client.send(new DescribeTableCommand({ TableName: tableName }));
}

/**
 * The notification worker's idempotency table, keyed as Powertools' DynamoDB persistence layer expects
 * (`id`). dynalite has no TTL: Powertools treats an expired record as absent when it reads it, as in AWS
 * before DynamoDB's TTL sweep removes it.
 */
export async function ensureIdempotencyTable(client: DynamoDBClient, tableName: string): Promise<void> {
  await createTableUnlessItExists(client, {
    TableName: tableName,
    AttributeDefinitions: [{ AttributeName: idempotencyRecordAttributes.key, AttributeType: 'S' }],
    KeySchema: [{ AttributeName: idempotencyRecordAttributes.key, KeyType: 'HASH' }],
    BillingMode: 'PAY_PER_REQUEST',
  });
}

/**
 * The slot read model's table with the keys and the eight free-slot indexes the CDK construct declares
 * (core/config/slot-read-model.ts); an existing one is kept.
 */
export async function ensureSlotReadModelTable(client: DynamoDBClient, tableName: string): Promise<void> {
  await createTableUnlessItExists(client, slotReadModelTableDefinition(tableName));
}

/** A table kept on disk (`npm start` with a data directory) is there from the previous run: it is kept as it is. */
async function createTableUnlessItExists(client: DynamoDBClient, definition: CreateTableCommandInput): Promise<void> {
  try {
    await client.send(new CreateTableCommand(definition));
  } catch (error) {
    if (!(error instanceof ResourceInUseException)) throw error;
  }
}
