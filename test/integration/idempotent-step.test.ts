import { IdempotencyAlreadyInProgressError } from '@aws-lambda-powertools/idempotency';
import type { Context } from 'aws-lambda';
import { idempotentStep } from '../../core/adapters/idempotent-step';
import { ensureIdempotencyTable, localDynamoDbClient, startLocalDynamoDb, type LocalDynamoDb } from '../../local/dynamodb/dynalite';

/** The notification worker's "once per key" against a real DynamoDB (dynalite): what duplicates and failures do. */

const TABLE = 'idempotency-test';
const quiet = { info: jest.fn(), warn: jest.fn(), error: jest.fn() };
const lambdaContext = { getRemainingTimeInMillis: () => 10_000 } as unknown as Context;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('a step done once per appointment and status', () => {
  let dynamo: LocalDynamoDb;
  let client: ReturnType<typeof localDynamoDbClient>;
  let nextId = 0;

  beforeAll(async () => {
    dynamo = await startLocalDynamoDb();
    client = localDynamoDbClient(dynamo.endpoint);
    await ensureIdempotencyTable(client, TABLE);
  });
  afterAll(async () => {
    client.destroy();
    await dynamo.close();
  });

  /** A step that takes `ms` and fails while `failing` says so, counting its runs; wrapped as the worker wraps it. */
  function aStep(ms: number, failing: () => boolean = () => false) {
    const runs = { count: 0 };
    const step = idempotentStep(
      async (_change: { appointmentId: string; correlationId: string; status: string }) => {
        runs.count += 1;
        await sleep(ms);
        if (failing()) throw new Error('SES refused (test)');
        return { sent: true };
      },
      { tableName: TABLE, dynamodb: client, keyJmesPath: '[appointmentId, status]', expiresAfterSeconds: 3600, logger: quiet },
    );
    step.registerLambdaContext(lambdaContext);
    const change = { appointmentId: `A${(nextId += 1)}`, correlationId: 'c', status: 'COMPLETED' };
    return { step, runs, change };
  }

  it('given two copies of one change at once, when both run, then the step runs once and both succeed (the second waits for the first)', async () => {
    const { step, runs, change } = aStep(300);

    await Promise.all([step.run(change), sleep(20).then(() => step.run(change))]);

    expect(runs.count).toBe(1);
  });

  it('given a copy whose twin fails while it waits, when both run, then the waiting copy does the step itself', async () => {
    let failures = 1;
    const { step, runs, change } = aStep(300, () => failures-- > 0);

    const [first, second] = await Promise.allSettled([step.run(change), sleep(20).then(() => step.run(change))]);

    expect(first.status).toBe('rejected');
    expect(second.status).toBe('fulfilled');
    expect(runs.count).toBe(2);
  });

  it('given a twin still in progress after every check, when the copy runs, then it fails (to be retried), never dropped', async () => {
    const { step, change } = aStep(3_000);

    const first = step.run(change);
    const second = sleep(20).then(() => step.run(change));

    await expect(second).rejects.toBeInstanceOf(IdempotencyAlreadyInProgressError);
    await first;
  });

  it('given a change already done, when it is delivered again later, then the step does not run again', async () => {
    const { step, runs, change } = aStep(10);

    await step.run(change);
    await step.run(change);

    expect(runs.count).toBe(1);
  });
});
