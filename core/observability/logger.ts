import { Logger } from '@aws-lambda-powertools/logger';
import type { Context } from 'aws-lambda';

/** Structured JSON logs (Powertools), one service name per Lambda function. */
export function createLogger(serviceName: string, persistentKeys: Record<string, string> = {}): Logger {
  return new Logger({ serviceName, persistentKeys });
}

/**
 * `handler`, with the invocation's Lambda context on every line `logger` writes while it runs:
 * function_request_id, function_name, function_arn, function_memory_size and cold_start, so an
 * on-call person can go from a line to the invocation (and its REPORT line) and back. It is what
 * Powertools' injectLambdaContext middleware and decorator do before a handler, without middy
 * (a package more in every bundle) or a handler class.
 */
export function withLambdaContext<Event, Result>(
  logger: Pick<Logger, 'addContext' | 'refreshSampleRateCalculation'>,
  handler: (event: Event, context: Context) => Promise<Result>,
): (event: Event, context: Context) => Promise<Result> {
  return (event, context) => {
    // As Powertools' own wrappers do: a sampled DEBUG level (POWERTOOLS_LOGGER_SAMPLE_RATE) is drawn per invocation.
    logger.refreshSampleRateCalculation();
    logger.addContext(context);
    return handler(event, context);
  };
}
