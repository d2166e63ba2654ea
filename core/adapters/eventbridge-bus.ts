import { PutEventsCommand, type EventBridgeClient } from '@aws-sdk/client-eventbridge';
import DataLoader from 'dataloader';
import type { AppointmentReminderDue, AppointmentStatusChanged, CountryOutcome } from '../messages/appointment-messages';
import type { SlotAvailabilityChanged } from '../messages/slot-messages';
import type { CountryOutcomePublisher, ReminderBus, SlotAvailabilityBus, StatusChangeBus } from '../ports';
import { topology } from '../config/topology';

/** PutEvents takes at most 10 entries per call. */
const PUT_EVENTS_MAX_ENTRIES = 10;

/** One event for the bus: who announces it, what it is, its detail, and what it is about (for the error that names it). */
export interface BusEvent {
  readonly source: string;
  readonly detailType: string;
  readonly detail: object;
  readonly about: string;
}

/**
 * Puts events on one event bus. Events put in the same tick (a batch's records run in
 * parallel) share PutEvents calls of up to 10 entries; an entry EventBridge rejects fails
 * only its own record.
 */
export class EventBusEntries {
  private readonly entries: DataLoader<BusEvent, void>;

  constructor(
    private readonly eventBridge: EventBridgeClient,
    private readonly eventBusName: string,
  ) {
    this.entries = new DataLoader((events) => this.putEvents(events), { cache: false, maxBatchSize: PUT_EVENTS_MAX_ENTRIES });
  }

  put(event: BusEvent): Promise<void> {
    return this.entries.load(event);
  }

  private async putEvents(events: readonly BusEvent[]): Promise<(void | Error)[]> {
    const response = await this.eventBridge.send(
      new PutEventsCommand({
        Entries: events.map((event) => ({
          EventBusName: this.eventBusName,
          Source: event.source,
          DetailType: event.detailType,
          Detail: JSON.stringify(event.detail),
        })),
      }),
    );
    return events.map((event, index) => {
      const entry = response.Entries?.[index];
      if (entry?.EventId) return undefined;
      return new Error(
        `EventBridge rejected ${event.detailType} for ${event.about}: ${entry?.ErrorCode ?? 'no entry returned'} ${entry?.ErrorMessage ?? ''}`.trim(),
      );
    });
  }
}

/** A country worker's decisions (AppointmentScheduled, AppointmentRejected, AppointmentCancelled) on the bus. */
export class EventBridgeCountryOutcomes implements CountryOutcomePublisher {
  /** The bus's entries, which a worker may share between its publishers: what they put in one tick shares PutEvents calls. */
  constructor(private readonly bus: EventBusEntries) {}

  publish(outcome: CountryOutcome): Promise<void> {
    return this.bus.put({
      source: topology.countryOutcomes.source,
      detailType: outcome.detailType,
      detail: outcome.detail,
      about: `appointment ${outcome.detail.appointmentId}`,
    });
  }
}

/** The completion worker's AppointmentStatusChanged events: what each appointment became, once stored. */
export class EventBridgeStatusChangeBus implements StatusChangeBus {
  /** The bus's entries, which a worker may share between its publishers: what they put in one tick shares PutEvents calls. */
  constructor(private readonly bus: EventBusEntries) {}

  announce(change: AppointmentStatusChanged): Promise<void> {
    const { source, detailType } = topology.statusChangeEvents;
    return this.bus.put({ source, detailType, detail: change, about: `appointment ${change.appointmentId}` });
  }
}

/** A country's SlotAvailabilityChanged events: each slot's state after a change, for the read model. */
export class EventBridgeSlotAvailabilityBus implements SlotAvailabilityBus {
  /** The bus's entries, which a worker may share between its publishers: what they put in one tick shares PutEvents calls. */
  constructor(private readonly bus: EventBusEntries) {}

  announce(change: SlotAvailabilityChanged): Promise<void> {
    const { source, detailType } = topology.slotAvailability;
    return this.bus.put({ source, detailType, detail: change, about: `slot ${change.countryISO} ${change.scheduleId}` });
  }
}

/** The reminder worker's AppointmentReminderDue events, for the email route. */
export class EventBridgeReminderBus implements ReminderBus {
  /** The bus's entries, which a worker may share between its publishers: what they put in one tick shares PutEvents calls. */
  constructor(private readonly bus: EventBusEntries) {}

  announce(due: AppointmentReminderDue): Promise<void> {
    const { source, detailType } = topology.reminders;
    return this.bus.put({ source, detailType, detail: due, about: `appointment ${due.appointmentId}` });
  }
}
