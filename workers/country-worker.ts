import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import type { Context, SQSBatchResponse, SQSEvent } from 'aws-lambda';
import { EventBridgeCountryOutcomes } from '../core/adapters/eventbridge-bus';
import { InMemoryCountryAppointments } from '../core/adapters/in-memory-country-appointments';
import { MysqlCountryAppointments } from '../core/adapters/mysql-country-appointments';
import { mysqlPoolOfThisFunction } from '../core/adapters/mysql-function-pool';
import { sqsMessageHandler } from '../core/adapters/sqs-batch';
import { countries, isCountryISO } from '../core/domain/countries';
import { environment, requiredEnv } from '../core/config/environment';
import { createLogger, withLambdaContext } from '../core/observability/logger';
import { countryMessageSchema } from '../core/messages/appointment-messages';
import type { CountryAppointmentStore } from '../core/ports';
import { bookOrCancelInCountry } from '../core/use-cases/book-or-cancel-in-country';

/** One module, deployed once per country: COUNTRY_ISO says which. */
const countryISO = requiredEnv(environment.countryISO);
if (!isCountryISO(countryISO)) throw new Error(`${environment.countryISO}=${countryISO} is not in the country registry`);
const country = countries[countryISO];

const logger = createLogger('countryWorker', { countryISO });
const outcomes = new EventBridgeCountryOutcomes(new EventBridgeClient({}), requiredEnv(environment.eventBusName));

async function countryStore(): Promise<CountryAppointmentStore> {
  if (process.env[environment.countryStore] === 'memory') return new InMemoryCountryAppointments(country);
  return new MysqlCountryAppointments(await mysqlPoolOfThisFunction(country.mysqlUser, logger), country);
}

type BatchHandler = (event: SQSEvent, context: Context) => Promise<SQSBatchResponse>;

let wiredHandler: Promise<BatchHandler> | undefined;
async function wire(): Promise<BatchHandler> {
  const countryAppointments = await countryStore();
  return sqsMessageHandler(
    countryMessageSchema,
    (message) => bookOrCancelInCountry(message, { countryAppointments, outcomes, logger }),
    logger,
  );
}

/** SQS consumer of this country's queue (SNS raw delivery): bookings and cancellations. */
export const handler = withLambdaContext(logger, async (event: SQSEvent, context: Context) => {
  // A failed wiring (say, the secret unreadable) is retried on the next invocation.
  wiredHandler ??= wire().catch((error: unknown) => {
    wiredHandler = undefined;
    throw error;
  });
  return (await wiredHandler)(event, context);
});
