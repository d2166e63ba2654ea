import { PutEventsCommand, type EventBridgeClient } from '@aws-sdk/client-eventbridge';
import DataLoader from 'dataloader';
import type { CountryOutcome } from '../messages';
import type { CountryOutcomePublisher } from '../ports';
import { topology } from '../topology';

/** PutEvents takes at most 10 entries per call. */
const PUT_EVENTS_MAX_ENTRIES = 10;

/**
 * Puts a country's decisions (AppointmentScheduled, AppointmentRejected, AppointmentCancelled)
 * on the event bus. Events published in the same tick
 * (a batch's records run in parallel) share PutEvents calls of up to 10 entries;
 * an entry EventBridge rejects fails only its own record.
 */
export class EventBridgeCountryOutcomes implements CountryOutcomePublisher {
  private readonly entries: DataLoader<CountryOutcome, void>;

  constructor(
    private readonly eventBridge: EventBridgeClient,
    private readonly eventBusName: string,
  ) {
    this.entries = new DataLoader((events) => this.putEvents(events), {
      cache: false,
      maxBatchSize: PUT_EVENTS_MAX_ENTRIES,
    });
  }

  publish(event: CountryOutcome): Promise<void> {
    return this.entries.load(event);
  }

  private async putEvents(events: readonly CountryOutcome[]): Promise<(void | Error)[]> {
    const { source } = topology.countryOutcomes;
    const response = await this.eventBridge.send(
      new PutEventsCommand({
        Entries: events.map((event) => ({
          EventBusName: this.eventBusName,
          Source: source,
          DetailType: event.detailType,
          Detail: JSON.stringify(event.detail),
        })),
      }),
    );
    return events.map((event, index) => {
      const entry = response.Entries?.[index];
      if (entry?.EventId) return undefined;
      return new Error(
        `EventBridge rejected ${event.detailType} for ${event.detail.appointmentId}: ${entry?.ErrorCode ?? 'no entry returned'} ${entry?.ErrorMessage ?? ''}`.trim(),
      );
    });
  }
}
