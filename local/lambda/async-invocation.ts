import { randomUUID } from 'node:crypto';
import { RetryWaits } from '../retry-waits';
import type { LocalLogger } from '../log';

/**
 * Lambda's asynchronous invocation, as AWS documents it, for the functions other services invoke that way
 * (Scheduler's reminders):
 *   Accepted at once, then queued; a function error is retried twice unless configured lower, waiting 1 then 2
 *   minutes; then the on-failure destination gets a record of the invocation:
 *     https://docs.aws.amazon.com/lambda/latest/dg/invocation-async-error-handling.html
 *     https://docs.aws.amazon.com/lambda/latest/dg/invocation-async-retain-records.html
 *   The queue may deliver an event more than once, even when the function succeeded (same page as the first).
 * Locally the waits between attempts are `retryDelayMs` (a second unless given).
 */
/** Lambda retries a failed asynchronous invocation twice unless its configuration says fewer. */
export const LAMBDA_DEFAULT_ASYNC_RETRIES = 2;

export interface AsyncFunction {
  readonly arn: string;
  invoke(event: unknown): Promise<unknown>;
}

/** Each function's asynchronous invocation configuration (PutFunctionEventInvokeConfig). */
export interface AsyncInvokeConfig {
  /** 0–2; Lambda's default is 2. */
  readonly maximumRetryAttempts: number;
  /** Where the record of an event that failed every attempt goes (an SQS queue's ARN here); dropped if none. */
  readonly onFailureDestinationArn?: string;
}

/** The record Lambda sends an on-failure destination (invocation-async-retain-records). */
export interface AsyncFailureRecord {
  readonly version: '1.0';
  readonly timestamp: string;
  readonly requestContext: {
    readonly requestId: string;
    readonly functionArn: string;
    readonly condition: 'RetriesExhausted';
    readonly approximateInvokeCount: number;
  };
  readonly requestPayload: unknown;
  readonly responseContext: { readonly statusCode: 200; readonly executedVersion: '$LATEST'; readonly functionError: 'Unhandled' };
  readonly responsePayload: { readonly errorType: string; readonly errorMessage: string };
}

export interface LocalAsyncInvocationsOptions {
  readonly logger: LocalLogger;
  readonly configOf: (functionArn: string) => AsyncInvokeConfig;
  /** Sends a failure record to its destination (the router's queue of that ARN). */
  readonly sendToDestination: (destinationArn: string, record: AsyncFailureRecord) => void;
  /** How many times the queue hands the function one event (1 unless a test asks for the duplicates AWS allows). */
  readonly copiesOf?: (functionArn: string, event: unknown) => number;
  readonly retryDelayMs?: number;
}

export class LocalAsyncInvocations {
  private readonly running = new Set<Promise<void>>();
  private readonly retryWaits = new RetryWaits();
  private stopped = false;

  constructor(private readonly options: LocalAsyncInvocationsOptions) {}

  /** InvokeFunction with InvocationType Event: resolves once the event is queued (202), not when it has run. */
  invokeAsync(fn: AsyncFunction, event: unknown): Promise<void> {
    if (this.stopped) return Promise.reject(new Error('The local Lambda service is stopped'));
    const copies = this.options.copiesOf?.(fn.arn, event) ?? 1;
    for (let copy = 0; copy < copies; copy += 1) {
      const run = this.runWithRetries(fn, event).finally(() => this.running.delete(run));
      this.running.add(run);
    }
    return Promise.resolve();
  }

  /** Resolves once every queued event has run, retries and failure records included. */
  async settled(): Promise<void> {
    while (this.running.size > 0) await Promise.all([...this.running]);
  }

  /** Gives up the retries waiting (their events are dropped, as a stopped stack would) and waits for the rest. */
  async stop(): Promise<void> {
    this.stopped = true;
    this.retryWaits.endAll();
    await this.settled();
  }

  private async runWithRetries(fn: AsyncFunction, event: unknown): Promise<void> {
    const { maximumRetryAttempts, onFailureDestinationArn } = this.options.configOf(fn.arn);
    const requestId = randomUUID();
    for (let attempt = 1; ; attempt += 1) {
      try {
        await fn.invoke(event);
        return;
      } catch (error) {
        const keys = { functionArn: fn.arn, requestId, attempt, error: error instanceof Error ? error.message : String(error) };
        if (attempt <= maximumRetryAttempts && !this.stopped) {
          this.options.logger.warn('An asynchronous invocation failed; Lambda retries it', keys);
          await this.retryWaits.wait(this.options.retryDelayMs ?? 1000);
          continue;
        }
        this.options.logger.error('An asynchronous invocation failed every attempt', {
          ...keys,
          onFailure: onFailureDestinationArn ?? 'none configured: the event is dropped',
        });
        if (onFailureDestinationArn)
          this.options.sendToDestination(onFailureDestinationArn, failureRecord(fn, requestId, attempt, event, error));
        return;
      }
    }
  }
}

function failureRecord(fn: AsyncFunction, requestId: string, attempts: number, event: unknown, error: unknown): AsyncFailureRecord {
  return {
    version: '1.0',
    timestamp: new Date().toISOString(),
    requestContext: { requestId, functionArn: `${fn.arn}:$LATEST`, condition: 'RetriesExhausted', approximateInvokeCount: attempts },
    requestPayload: event,
    responseContext: { statusCode: 200, executedVersion: '$LATEST', functionError: 'Unhandled' },
    responsePayload: {
      errorType: error instanceof Error ? error.name : 'Error',
      errorMessage: error instanceof Error ? error.message : String(error),
    },
  };
}
