import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import type { Context, SQSBatchResponse, SQSEvent } from 'aws-lambda';
import { EventBridgeCountryOutcomes, EventBridgeSlotAvailabilityBus, EventBusEntries } from '../core/adapters/eventbridge-bus';
import { InMemoryCountryAppointments } from '../core/adapters/in-memory-country-appointments';
import { MysqlCountryAppointments } from '../core/adapters/mysql-country-appointments';
import { MysqlSlotCatalog } from '../core/adapters/mysql-slot-catalog';
import { mysqlPoolOfThisFunction } from '../core/adapters/mysql-function-pool';
import { sqsMessageHandler } from '../core/adapters/sqs-batch';
import { countries, isCountryISO } from '../core/domain/countries';
import { environment, requiredEnv } from '../core/config/environment';
import { createLogger, withLambdaContext } from '../core/observability/logger';
import { countryQueueMessageSchema } from '../core/messages/slot-messages';
import type { CountryAppointmentStore, CountrySlotCatalog } from '../core/ports';
import { bookOrCancelInCountry } from '../core/use-cases/book-or-cancel-in-country';
import { manageSlotsInCountry } from '../core/use-cases/manage-slots-in-country';

/** One module, deployed once per country: COUNTRY_ISO says which. */
const countryISO = requiredEnv(environment.countryISO);
if (!isCountryISO(countryISO)) throw new Error(`${environment.countryISO}=${countryISO} is not in the country registry`);
const country = countries[countryISO];

const logger = createLogger('countryWorker', { countryISO });
// One set of entries for both: a decision and its slots' new states go out in the same PutEvents call.
const busEntries = new EventBusEntries(new EventBridgeClient({}), requiredEnv(environment.eventBusName));
const outcomes = new EventBridgeCountryOutcomes(busEntries);
const availability = new EventBridgeSlotAvailabilityBus(busEntries);

/** The country's appointments and its slot catalog, in one database (or, without MySQL locally, one memory). */
async function countryStores(): Promise<{ countryAppointments: CountryAppointmentStore; slots: CountrySlotCatalog }> {
  if (process.env[environment.countryStore] === 'memory') {
    const inMemory = new InMemoryCountryAppointments(country);
    return { countryAppointments: inMemory, slots: inMemory };
  }
  const pool = await mysqlPoolOfThisFunction(country.mysqlUser, logger);
  return { countryAppointments: new MysqlCountryAppointments(pool, country), slots: new MysqlSlotCatalog(pool, country) };
}

type BatchHandler = (event: SQSEvent, context: Context) => Promise<SQSBatchResponse>;

let wiredHandler: Promise<BatchHandler> | undefined;
async function wire(): Promise<BatchHandler> {
  const { countryAppointments, slots } = await countryStores();
  return sqsMessageHandler(
    countryQueueMessageSchema,
    (message) =>
      message.type === 'SlotPublicationRequested' || message.type === 'SlotWithdrawalRequested'
        ? manageSlotsInCountry(message, { slots, availability, logger })
        : bookOrCancelInCountry(message, { countryAppointments, outcomes, slots, availability, logger }),
    logger,
  );
}

/** SQS consumer of this country's queue (SNS raw delivery): bookings, cancellations and catalog changes. */
export const handler = withLambdaContext(logger, async (event: SQSEvent, context: Context) => {
  // A failed wiring (say, the secret unreadable) is retried on the next invocation.
  wiredHandler ??= wire().catch((error: unknown) => {
    wiredHandler = undefined;
    throw error;
  });
  return (await wiredHandler)(event, context);
});
