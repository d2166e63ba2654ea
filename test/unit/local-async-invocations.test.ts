import { localLogger } from '../../local/log';
import { LocalAsyncInvocations, type AsyncFailureRecord, type AsyncInvokeConfig } from '../../local/lambda/async-invocation';

const FUNCTION_ARN = 'arn:aws:lambda:us-east-1:000000000000:function:reminder-worker';
const DLQ_ARN = 'arn:aws:sqs:us-east-1:000000000000:appointment-reminders-dlq';
const EVENT = { appointmentId: '01JD00000000000000000000AA' };

interface Harness {
  readonly invocations: LocalAsyncInvocations;
  readonly records: { destinationArn: string; record: AsyncFailureRecord }[];
  readonly logLines: Record<string, unknown>[];
}

function lambdaWith(config: AsyncInvokeConfig, copies = 1): Harness {
  const records: Harness['records'] = [];
  const logLines: Record<string, unknown>[] = [];
  const invocations = new LocalAsyncInvocations({
    logger: localLogger('local-lambda', (line) => logLines.push(JSON.parse(line) as Record<string, unknown>)),
    configOf: () => config,
    sendToDestination: (destinationArn, record) => records.push({ destinationArn, record }),
    copiesOf: () => copies,
    retryDelayMs: 1,
  });
  return { invocations, records, logLines };
}

/** A function that fails its first `failures` runs with `error`, counting every run. */
function aFunction(failures: number, error = Object.assign(new Error('the appointment could not be read'), { name: 'ReadFailed' })) {
  const runs: unknown[] = [];
  return {
    runs,
    fn: {
      arn: FUNCTION_ARN,
      invoke: (event: unknown) => {
        runs.push(event);
        return runs.length <= failures ? Promise.reject(error) : Promise.resolve({ announced: true });
      },
    },
  };
}

describe('Lambda asynchronous invocation, locally (what Scheduler invokes)', () => {
  it('given a function that fails every time, when invoked asynchronously, then the call is accepted at once, it runs 1 + 2 retries, and one record reaches the on-failure destination', async () => {
    const { invocations, records } = lambdaWith({ maximumRetryAttempts: 2, onFailureDestinationArn: DLQ_ARN });
    const { fn, runs } = aFunction(Infinity);

    const accepted = await invocations.invokeAsync(fn, EVENT);
    const runsWhenAccepted = runs.length;
    await invocations.settled();

    expect(accepted).toBeUndefined();
    expect(runsWhenAccepted).toBeLessThanOrEqual(1);
    expect(runs).toEqual([EVENT, EVENT, EVENT]);
    expect(records).toHaveLength(1);
    expect(records[0]?.destinationArn).toBe(DLQ_ARN);
    expect(records[0]?.record).toMatchObject({
      version: '1.0',
      requestContext: { functionArn: `${FUNCTION_ARN}:$LATEST`, condition: 'RetriesExhausted', approximateInvokeCount: 3 },
      requestPayload: EVENT,
      responseContext: { statusCode: 200, executedVersion: '$LATEST', functionError: 'Unhandled' },
      responsePayload: { errorType: 'ReadFailed', errorMessage: 'the appointment could not be read' },
    });
  });

  it('given a function that fails once, when invoked, then Lambda’s retry succeeds and nothing is recorded', async () => {
    const { invocations, records } = lambdaWith({ maximumRetryAttempts: 2, onFailureDestinationArn: DLQ_ARN });
    const { fn, runs } = aFunction(1);

    await invocations.invokeAsync(fn, EVENT);
    await invocations.settled();

    expect(runs).toHaveLength(2);
    expect(records).toEqual([]);
  });

  it('given no retries and no destination, when the function fails, then it runs once and the event is dropped with an error line', async () => {
    const { invocations, records, logLines } = lambdaWith({ maximumRetryAttempts: 0 });
    const { fn, runs } = aFunction(Infinity);

    await invocations.invokeAsync(fn, EVENT);
    await invocations.settled();

    expect(runs).toHaveLength(1);
    expect(records).toEqual([]);
    expect(logLines.filter((line) => line.level === 'ERROR')).toEqual([
      expect.objectContaining({ functionArn: FUNCTION_ARN, onFailure: 'none configured: the event is dropped' }),
    ]);
  });

  it('given the duplicates AWS allows, when one event is invoked, then the function receives it that many times', async () => {
    const { invocations } = lambdaWith({ maximumRetryAttempts: 2 }, 3);
    const { fn, runs } = aFunction(0);

    await invocations.invokeAsync(fn, EVENT);
    await invocations.settled();

    expect(runs).toEqual([EVENT, EVENT, EVENT]);
  });

  it('given a retry waiting, when stopped, then the retry is given up and new invocations are refused', async () => {
    const { invocations } = lambdaWith({ maximumRetryAttempts: 2 });
    const { fn, runs } = aFunction(Infinity);
    await invocations.invokeAsync(fn, EVENT);

    await invocations.stop();

    expect(runs.length).toBeLessThan(3);
    await expect(invocations.invokeAsync(fn, EVENT)).rejects.toThrow('stopped');
  });
});
