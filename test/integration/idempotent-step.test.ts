import { IdempotencyAlreadyInProgressError } from '@aws-lambda-powertools/idempotency';
import type { Context } from 'aws-lambda';
import { idempotentStep } from '../../core/adapters/idempotent-step';
import { ensureIdempotencyTable, localDynamoDbClient, startLocalDynamoDb, type LocalDynamoDb } from '../../local/dynamodb/dynalite';
import { given } from '../steps';

/** The notification worker's "once per key" against a real DynamoDB (dynalite): what duplicates and failures do. */

const TABLE = 'idempotency-test';
const lambdaContext = { getRemainingTimeInMillis: () => 10_000 } as unknown as Context;

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

  /**
   * A step that runs until the test lets it finish (or at once), failing while `failing` says so, counting its runs;
   * wrapped as the worker wraps it. `copyWaiting` resolves when a copy has found the work in progress and says it waits.
   */
  function aStep(options: { held?: boolean; failing?: () => boolean } = {}) {
    const runs = { count: 0 };
    let waiting: () => void = () => undefined;
    const copyWaiting = new Promise<void>((resolve) => (waiting = resolve));
    // The step's one sign that a copy waits is the line it logs for operators
    const logger = given.aQuietLogger();
    logger.info.mockImplementation((...[message]) => {
      if (typeof message === 'string' && message.includes('in progress')) waiting();
    });
    let release: () => void = () => undefined;
    const finished = options.held ? new Promise<void>((resolve) => (release = resolve)) : Promise.resolve();
    let started: () => void = () => undefined;
    const running = new Promise<void>((resolve) => (started = resolve));
    const step = idempotentStep(
      async (_change: { appointmentId: string; correlationId: string; status: string }) => {
        runs.count += 1;
        started();
        await finished;
        if (options.failing?.()) throw new Error('SES refused (test)');
        return { sent: true };
      },
      { tableName: TABLE, dynamodb: client, keyJmesPath: '[appointmentId, status]', expiresAfterSeconds: 3600, logger },
    );
    step.registerLambdaContext(lambdaContext);
    const change = { appointmentId: `A${(nextId += 1)}`, correlationId: 'c', status: 'COMPLETED' };
    // `running` resolves once the first run is under way (its record in progress); `release` lets it finish.
    return { step, runs, change, running, copyWaiting, release: () => release() };
  }

  /** Until the copy has found its twin's work in progress and waits, or has already given up (the test then fails on its error). */
  const copyHasFoundTheTwin = (copy: Promise<void>, copyWaiting: Promise<void>) => Promise.race([copyWaiting, copy.catch(() => undefined)]);

  it('given two copies of one change at once, when both run, then the step runs once and both succeed (the second waits for the first)', async () => {
    // Given a first copy under way
    const { step, runs, change, running, copyWaiting, release } = aStep({ held: true });
    const first = step.run(change);
    await running;

    // When a second copy finds it in progress, and only then the first finishes
    const second = step.run(change);
    await copyHasFoundTheTwin(second, copyWaiting);
    release();

    // Then both succeed and the step ran once: the second waited for the first's outcome
    await Promise.all([first, second]);
    expect(runs.count).toBe(1);
  });

  it('given a copy whose twin fails while it waits, when both run, then the waiting copy does the step itself', async () => {
    let failures = 1;
    // Given a first copy under way, which will fail
    const { step, runs, change, running, copyWaiting, release } = aStep({ held: true, failing: () => failures-- > 0 });
    const first = step.run(change);
    await running;

    // When a second copy finds it in progress, and only then the first fails
    const second = step.run(change);
    await copyHasFoundTheTwin(second, copyWaiting);
    release();
    const [firstOutcome, secondOutcome] = await Promise.allSettled([first, second]);

    // Then the waiting copy did the step itself
    expect(firstOutcome.status).toBe('rejected');
    expect(secondOutcome.status).toBe('fulfilled');
    expect(runs.count).toBe(2);
  });

  it('given a twin still in progress after every check, when the copy runs, then it fails (to be retried), never dropped', async () => {
    const { step, change, running, release } = aStep({ held: true });

    const first = step.run(change);
    await running;

    // The first is held until the copy has given up: in progress at every one of the copy's checks.
    await expect(step.run(change)).rejects.toBeInstanceOf(IdempotencyAlreadyInProgressError);
    release();
    await first;
  });

  it('given a change already done, when it is delivered again later, then the step does not run again', async () => {
    const { step, runs, change } = aStep();

    await step.run(change);
    await step.run(change);

    expect(runs.count).toBe(1);
  });
});
