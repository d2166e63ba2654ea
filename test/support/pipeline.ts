import type { PutEventsRequestEntry } from '@aws-sdk/client-eventbridge';
import type { Context, SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import { environment } from '../../core/config/environment';
import { topology } from '../../core/config/topology';
import type { SlotSnapshot } from '../../core/domain/slots';
import type { CountryISO } from '../../core/graphql/types.generated';
import { eventBridgeDeliveryRecord } from '../../local/lambda/aws-events';
import { loadLambda } from './lambda';

export type WorkerHandler = (event: SQSEvent, context: Context) => Promise<SQSBatchResponse>;

export const EVENT_BUS_NAME = 'appointments-test-bus';

/** A country worker as its own function: its own module instance, configured for one country, with its EventBridge classes. */
export function loadCountryWorker(countryISO: CountryISO, env: Record<string, string>) {
  return loadLambda({ ...env, [environment.countryISO]: countryISO, [environment.eventBusName]: EVENT_BUS_NAME }, () => ({
    handler: jest.requireActual<{ handler: unknown }>('../../workers/country-worker').handler as WorkerHandler,
    eventBridgeSdk: jest.requireActual<typeof import('@aws-sdk/client-eventbridge')>('@aws-sdk/client-eventbridge'),
  }));
}

/**
 * The completion worker as its own function, its EventBridge client stubbed to accept every event:
 * the AppointmentStatusChanged entries it puts on the bus are appended to `announced`.
 */
export function loadCompletionWorker(env: Record<string, string>, announced: PutEventsRequestEntry[] = []): WorkerHandler {
  const loaded = loadLambda({ ...env, [environment.eventBusName]: EVENT_BUS_NAME }, () => ({
    handler: jest.requireActual<{ handler: WorkerHandler }>('../../workers/completion-worker').handler,
    eventBridgeSdk: jest.requireActual<typeof import('@aws-sdk/client-eventbridge')>('@aws-sdk/client-eventbridge'),
  }));
  acceptEveryEvent(loaded.eventBridgeSdk, announced);
  return loaded.handler;
}

/** Stubs a loaded function's EventBridge client: every PutEvents entry is accepted and appended to `announced`. */
export function acceptEveryEvent(eventBridgeSdk: typeof import('@aws-sdk/client-eventbridge'), announced: PutEventsRequestEntry[]) {
  return mockClient(eventBridgeSdk.EventBridgeClient)
    .on(eventBridgeSdk.PutEventsCommand)
    .callsFake((input: { Entries: PutEventsRequestEntry[] }) => {
      announced.push(...input.Entries);
      return { FailedEntryCount: 0, Entries: input.Entries.map((_, index) => ({ EventId: `event-${announced.length}-${index}` })) };
    });
}

/** The slot projector as its own function, on `env`'s read model table and AppSync endpoint (no SDK stubbed: both are real here). */
export function loadSlotProjector(env: Record<string, string>): WorkerHandler {
  return loadLambda(env, () => jest.requireActual<{ handler: WorkerHandler }>('../../workers/slot-projector').handler);
}

/**
 * A slot's state as the availability queue delivers it: the SlotAvailabilityChanged event its country put on the bus
 * (the slot as the country's database holds it after a change), as the rule hands it to the queue.
 */
export function slotAvailabilityDelivery(
  slot: SlotSnapshot,
  correlationId = `corr-${slot.countryISO}-${slot.scheduleId}-v${slot.version}`,
): SQSRecord {
  const { slotAvailability } = topology;
  return eventBridgeDeliveryRecord(
    {
      EventBusName: slotAvailability.eventBusName,
      Source: slotAvailability.source,
      DetailType: slotAvailability.detailType,
      Detail: JSON.stringify({ ...slot, correlationId }),
    },
    slotAvailability.queueName,
  );
}
