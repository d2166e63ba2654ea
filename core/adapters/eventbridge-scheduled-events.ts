import { PutEventsCommand, type EventBridgeClient } from '@aws-sdk/client-eventbridge';
import DataLoader from 'dataloader';
import type { AppointmentScheduled } from '../messages';
import type { ScheduledEventPublisher } from '../ports';
import { topology } from '../topology';

/** PutEvents takes at most 10 entries per call. */
const PUT_EVENTS_MAX_ENTRIES = 10;

/**
 * Puts AppointmentScheduled on the event bus. Events published in the same tick
 * (a batch's records run in parallel) share PutEvents calls of up to 10 entries;
 * an entry EventBridge rejects fails only its own record.
 */
export class EventBridgeScheduledEvents implements ScheduledEventPublisher {
  private readonly entries: DataLoader<AppointmentScheduled, void>;

  constructor(
    private readonly eventBridge: EventBridgeClient,
    private readonly eventBusName: string,
  ) {
    this.entries = new DataLoader((events) => this.putEvents(events), {
      cache: false,
      maxBatchSize: PUT_EVENTS_MAX_ENTRIES,
    });
  }

  publish(event: AppointmentScheduled): Promise<void> {
    return this.entries.load(event);
  }

  private async putEvents(events: readonly AppointmentScheduled[]): Promise<(void | Error)[]> {
    const { source, detailType } = topology.appointmentScheduled;
    const response = await this.eventBridge.send(
      new PutEventsCommand({
        Entries: events.map((event) => ({
          EventBusName: this.eventBusName,
          Source: source,
          DetailType: detailType,
          Detail: JSON.stringify(event),
        })),
      }),
    );
    return events.map((event, index) => {
      const entry = response.Entries?.[index];
      if (entry?.EventId) return undefined;
      return new Error(
        `EventBridge rejected AppointmentScheduled for ${event.appointmentId}: ${entry?.ErrorCode ?? 'no entry returned'} ${entry?.ErrorMessage ?? ''}`.trim(),
      );
    });
  }
}
