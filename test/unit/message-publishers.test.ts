import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { PublishCommand, SNSClient } from '@aws-sdk/client-sns';
import { mockClient } from 'aws-sdk-client-mock';
import { EventBridgeCountryOutcomes, EventBridgeSlotAvailabilityBus, EventBusEntries } from '../../core/adapters/eventbridge-bus';
import { aSlotSnapshot } from '../support/slot-publications';
import { SnsCountryMessages } from '../../core/adapters/sns-country-messages';
import type { AppointmentRequested, CountryOutcome } from '../../core/messages/appointment-messages';

const requested: AppointmentRequested = {
  type: 'AppointmentRequested',
  appointmentId: '01JD00000000000000000000AA',
  insuredId: '00012',
  scheduleId: 100,
  countryISO: 'CL',
  createdAt: '2026-11-22T10:00:00.000Z',
  correlationId: 'corr-1',
};
const scheduled = (index: number): CountryOutcome => ({
  detailType: 'AppointmentScheduled',
  detail: {
    appointmentId: `01JD0000000000000000000${String(index).padStart(3, '0')}`,
    insuredId: '00012',
    scheduleId: 100,
    countryISO: 'CL',
    correlationId: 'corr-1',
    scheduledAt: '2026-11-22T10:00:01.000Z',
  },
});

describe('SNS country messages', () => {
  const sns = mockClient(SNSClient);
  afterEach(() => sns.reset());

  it('given a request, when published, then SNS gets the JSON message and the countryISO attribute its filter policies match', async () => {
    sns.on(PublishCommand).resolves({ MessageId: 'm-1' });

    await new SnsCountryMessages(new SNSClient({ region: 'us-east-1' }), 'arn:aws:sns:us-east-1:123456789012:requests').publish(requested);

    expect(sns.commandCalls(PublishCommand).map((call) => call.args[0].input)).toEqual([
      {
        TopicArn: 'arn:aws:sns:us-east-1:123456789012:requests',
        Message: JSON.stringify(requested),
        MessageAttributes: { countryISO: { DataType: 'String', StringValue: 'CL' } },
      },
    ]);
  });
});

describe('EventBridge country outcomes', () => {
  const eventBridge = mockClient(EventBridgeClient);
  afterEach(() => eventBridge.reset());
  const publisher = () =>
    new EventBridgeCountryOutcomes(new EventBusEntries(new EventBridgeClient({ region: 'us-east-1' }), 'appointments-bus'));

  it('given one event, when published, then PutEvents carries it on the bus with the AppointmentScheduled source and detail-type', async () => {
    eventBridge.on(PutEventsCommand).resolves({ FailedEntryCount: 0, Entries: [{ EventId: 'e-1' }] });

    await publisher().publish(scheduled(1));

    expect(eventBridge.commandCalls(PutEventsCommand).map((call) => call.args[0].input)).toEqual([
      {
        Entries: [
          {
            EventBusName: 'appointments-bus',
            Source: 'appointments.country-worker',
            DetailType: 'AppointmentScheduled',
            Detail: JSON.stringify(scheduled(1).detail),
          },
        ],
      },
    ]);
  });

  it('given twelve events in one tick, when published, then they go in two PutEvents calls of ten and two', async () => {
    eventBridge.on(PutEventsCommand).callsFake((input: { Entries: unknown[] }) => ({
      FailedEntryCount: 0,
      Entries: input.Entries.map((_, index) => ({ EventId: `e-${index}` })),
    }));
    const events = publisher();

    await Promise.all(Array.from({ length: 12 }, (_, index) => events.publish(scheduled(index))));

    expect(eventBridge.commandCalls(PutEventsCommand).map((call) => call.args[0].input.Entries?.length)).toEqual([10, 2]);
  });

  it('given EventBridge rejects one entry, when a batch is published, then only that event fails', async () => {
    eventBridge.on(PutEventsCommand).resolves({
      FailedEntryCount: 1,
      Entries: [{ EventId: 'e-0' }, { ErrorCode: 'InternalFailure', ErrorMessage: 'try again' }, { EventId: 'e-2' }],
    });
    const events = publisher();

    const outcomes = await Promise.allSettled([0, 1, 2].map((index) => events.publish(scheduled(index))));

    expect(outcomes.map((outcome) => outcome.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
    expect((outcomes[1] as PromiseRejectedResult).reason).toEqual(
      new Error(
        `EventBridge rejected AppointmentScheduled for appointment ${scheduled(1).detail.appointmentId}: InternalFailure try again`,
      ),
    );
  });

  it('given one set of bus entries shared by both publishers, when a decision and its slot are announced in one tick, then one PutEvents call carries both', async () => {
    eventBridge.on(PutEventsCommand).callsFake((input: { Entries: unknown[] }) => ({
      FailedEntryCount: 0,
      Entries: input.Entries.map((_, index) => ({ EventId: `e-${index}` })),
    }));
    const entries = new EventBusEntries(new EventBridgeClient({ region: 'us-east-1' }), 'appointments-bus');

    await Promise.all([
      new EventBridgeCountryOutcomes(entries).publish(scheduled(1)),
      new EventBridgeSlotAvailabilityBus(entries).announce({
        ...aSlotSnapshot('CL', 100, new Date('2027-01-15T14:00:00.000Z'), { availability: 'TAKEN', version: 2 }),
        correlationId: 'corr-1',
      }),
    ]);

    const calls = eventBridge.commandCalls(PutEventsCommand).map((call) => call.args[0].input.Entries?.map((entry) => entry.DetailType));
    expect(calls).toEqual([['AppointmentScheduled', 'SlotAvailabilityChanged']]);
  });
});
