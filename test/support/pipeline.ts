import type { Context, SQSBatchResponse, SQSEvent } from 'aws-lambda';
import { environment } from '../../core/environment';
import type { CountryISO } from '../../core/graphql/types.generated';
import { loadLambda } from './lambda';

export type SqsHandler = (event: SQSEvent, context: Context) => Promise<SQSBatchResponse>;

export const EVENT_BUS_NAME = 'appointments-test-bus';

/** A country worker as its own function: its own module instance, configured for one country, with its EventBridge classes. */
export function loadCountryWorker(countryISO: CountryISO, env: Record<string, string>) {
  return loadLambda({ ...env, [environment.countryISO]: countryISO, [environment.eventBusName]: EVENT_BUS_NAME }, () => ({
    handler: jest.requireActual<{ handler: unknown }>('../../workers/countryWorker').handler as SqsHandler,
    eventBridgeSdk: jest.requireActual<typeof import('@aws-sdk/client-eventbridge')>('@aws-sdk/client-eventbridge'),
  }));
}

export function loadCompletionWorker(env: Record<string, string>) {
  return loadLambda(env, () => jest.requireActual<{ handler: SqsHandler }>('../../workers/completionWorker').handler);
}
