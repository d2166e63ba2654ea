import { EventBridgeClient, PutEventsCommand, type PutEventsRequestEntry } from '@aws-sdk/client-eventbridge';
import { PublishCommand, SNSClient, type MessageAttributeValue } from '@aws-sdk/client-sns';
import { Annotations, Match } from 'aws-cdk-lib/assertions';
import { mockClient } from 'aws-sdk-client-mock';
import { EventBridgeCountryOutcomes, EventBusEntries } from '../../core/adapters/eventbridge-bus';
import { SnsCountryMessages } from '../../core/adapters/sns-country-messages';
import { countryISOs } from '../../core/domain/countries';
import { environment } from '../../core/config/environment';
import { metricNames } from '../../core/observability/metrics';
import type { CountryISO } from '../../core/graphql/types.generated';
import type { CountryOutcome } from '../../core/messages/appointment-messages';
import { countryRoute, topology, type QueueSettings } from '../../core/config/topology';
import { deployedFunctions } from '../../infra/bundling';
import {
  consumersByQueue,
  environmentOf,
  functionLogicalId,
  patternMatches,
  queueConsumedBy,
  referencedLogicalId,
  resource,
  resourcesOfType,
  statementsOf,
  type CfnResource,
  type SynthesizedApp,
  synthesizeAppointmentsApp,
  SYNTHESIS_TIMEOUT_MS,
} from './synthesized-app';

const sns = mockClient(SNSClient);
const eventBridge = mockClient(EventBridgeClient);

let synthesized: SynthesizedApp;
beforeAll(() => {
  synthesized = synthesizeAppointmentsApp({ validateAgainstCloudFormationRules: false });
}, SYNTHESIS_TIMEOUT_MS);
afterAll(() => {
  synthesized.cleanup();
  sns.restore();
  eventBridge.restore();
});

/** The message attributes createAppointment's publisher really sends for a country. */
async function publishedAttributes(countryISO: CountryISO): Promise<Record<string, MessageAttributeValue>> {
  sns.reset();
  sns.on(PublishCommand).resolves({ MessageId: 'message-1' });
  await new SnsCountryMessages(new SNSClient({ region: 'us-east-1' }), 'arn:aws:sns:us-east-1:111111111111:requests').publish({
    appointmentId: '01JBQ6Z1Y8M3V4K5N6P7Q8R9ST',
    insuredId: '00012',
    scheduleId: 100,
    countryISO,
    createdAt: '2026-11-22T10:00:00.000Z',
    correlationId: 'correlation-1',
  });
  const [call] = sns.commandCalls(PublishCommand);
  return call?.args[0].input.MessageAttributes ?? {};
}

/** The event a country worker really puts on the bus for each of its decisions. */
async function countryOutcomeEntry(detailType: CountryOutcome['detailType']): Promise<PutEventsRequestEntry> {
  eventBridge.reset();
  eventBridge.on(PutEventsCommand).resolves({ Entries: [{ EventId: 'event-1' }], FailedEntryCount: 0 });
  const fields = {
    appointmentId: '01JBQ6Z1Y8M3V4K5N6P7Q8R9ST',
    insuredId: '00012',
    scheduleId: 100,
    countryISO: 'PE' as const,
    correlationId: 'correlation-1',
  };
  const at = '2026-11-22T10:00:01.000Z';
  const outcomes: { [T in CountryOutcome['detailType']]: CountryOutcome } = {
    AppointmentScheduled: { detailType: 'AppointmentScheduled', detail: { ...fields, scheduledAt: at } },
    AppointmentRejected: { detailType: 'AppointmentRejected', detail: { ...fields, rejectedAt: at, rejectionReason: 'SLOT_TAKEN' } },
    AppointmentCancelled: { detailType: 'AppointmentCancelled', detail: { ...fields, cancelledAt: at } },
    AppointmentRescheduled: {
      detailType: 'AppointmentRescheduled',
      detail: { ...fields, fromScheduleId: 99, moveId: '01JBQ6Z1Y8M3V4K5N6P7Q8R9SV', rescheduledAt: at },
    },
    AppointmentRescheduleRefused: {
      detailType: 'AppointmentRescheduleRefused',
      detail: { ...fields, toScheduleId: 101, moveId: '01JBQ6Z1Y8M3V4K5N6P7Q8R9SV', refusedAt: at, rejectionReason: 'SLOT_TAKEN' },
    },
  };
  await new EventBridgeCountryOutcomes(new EventBusEntries(new EventBridgeClient({ region: 'us-east-1' }), 'appointments-bus')).publish(
    outcomes[detailType],
  );
  const entry = eventBridge.commandCalls(PutEventsCommand)[0]?.args[0].input.Entries?.[0];
  if (!entry) throw new Error('The country worker put no event');
  return entry;
}

/** Every queue a worker consumes in a stack without emails (emails.test.ts checks the email queue), with its consumer. */
const workerQueues: { name: string; settings: QueueSettings; consumer: string }[] = [
  ...deployedFunctions.countryWorkers.map((worker) => ({
    name: countryRoute(worker.countryISO).queueName,
    settings: countryRoute(worker.countryISO),
    consumer: worker.id,
  })),
  { name: topology.confirmations.queueName, settings: topology.confirmations, consumer: deployedFunctions.completionWorker.id },
  { name: topology.slotAvailability.queueName, settings: topology.slotAvailability, consumer: deployedFunctions.slotProjector.id },
];

/** SNS filter policy semantics for what the topology declares: exact string values per attribute. */
function filterPolicyAccepts(policy: Record<string, unknown>, attributes: Record<string, MessageAttributeValue>): boolean {
  return Object.entries(policy).every(([name, allowed]) => {
    if (!Array.isArray(allowed) || !allowed.every((value) => typeof value === 'string')) {
      throw new Error(`This test only knows exact-string filters, got ${name}: ${JSON.stringify(allowed)}`);
    }
    const attribute = attributes[name];
    return attribute?.DataType === 'String' && attribute.StringValue !== undefined && allowed.includes(attribute.StringValue);
  });
}

describe('appointment requests on the topic', () => {
  it.each(countryISOs.map((countryISO) => ({ countryISO })))(
    'given a $countryISO request, when it is published, then only the $countryISO country worker queue receives it',
    async ({ countryISO }) => {
      const attributes = await publishedAttributes(countryISO);
      const consumers = consumersByQueue(synthesized.template);

      const receivingWorkers = resourcesOfType(synthesized.template, 'AWS::SNS::Subscription')
        .filter(([, subscription]) => filterPolicyAccepts(subscription.Properties.FilterPolicy as Record<string, unknown>, attributes))
        .map(([, subscription]) => consumers.get(referencedLogicalId(subscription.Properties.Endpoint)))
        .map((worker) => worker && environmentOf(worker)[environment.countryISO]);

      expect(receivingWorkers).toEqual([countryISO]);
    },
  );

  it('given a country queue, when SNS delivers to it, then the body is the published JSON itself (raw delivery)', () => {
    const subscriptions = resourcesOfType(synthesized.template, 'AWS::SNS::Subscription');

    expect(subscriptions).toHaveLength(topology.countryRoutes.length);
    for (const [, subscription] of subscriptions) {
      expect(subscription.Properties).toMatchObject({ Protocol: 'sqs', RawMessageDelivery: true });
    }
  });
});

describe('messages that keep failing', () => {
  it.each(workerQueues)(
    'given the $name queue, when a message has failed its max receive count, then it moves to a dead-letter queue of its own that an alarm watches',
    ({ settings, consumer }) => {
      const queueId = queueConsumedBy(synthesized, consumer);

      const redrive = resource(synthesized.template, queueId).Properties.RedrivePolicy as {
        deadLetterTargetArn: unknown;
        maxReceiveCount: number;
      };
      const deadLetterQueueId = referencedLogicalId(redrive.deadLetterTargetArn);
      expect(redrive.maxReceiveCount).toBe(settings.maxReceiveCount);
      expect(deadLetterQueueId).not.toBe(queueId);
      expect(consumersByQueue(synthesized.template).has(deadLetterQueueId)).toBe(false);

      const alarmsOnDeadLetterQueue = resourcesOfType(synthesized.template, 'AWS::CloudWatch::Alarm').filter(([, alarm]) =>
        JSON.stringify(alarm.Properties.Dimensions).includes(`"${deadLetterQueueId}"`),
      );
      expect(alarmsOnDeadLetterQueue.map(([, alarm]) => alarm.Properties)).toEqual([
        expect.objectContaining({
          MetricName: 'ApproximateNumberOfMessagesVisible',
          ComparisonOperator: 'GreaterThanThreshold',
          Threshold: 0,
        }),
      ]);
    },
  );

  it('given any worker queue, when it is created, then it and its dead-letter queue are encrypted and refuse plain HTTP', () => {
    for (const [, queue] of resourcesOfType(synthesized.template, 'AWS::SQS::Queue')) {
      expect(queue.Properties.SqsManagedSseEnabled).toBe(true);
    }
    for (const [, policy] of resourcesOfType(synthesized.template, 'AWS::SQS::QueuePolicy')) {
      expect(JSON.stringify(policy.Properties.PolicyDocument)).toContain('"aws:SecureTransport":"false"');
    }
  });
});

describe("a country's decisions on the event bus", () => {
  const rulesTaking = (event: Record<string, unknown>) =>
    resourcesOfType(synthesized.template, 'AWS::Events::Rule').filter(([, rule]) =>
      patternMatches(rule.Properties.EventPattern as Record<string, unknown>, event),
    );

  it.each(topology.countryOutcomes.detailTypes)(
    'given a country worker has decided (%s), when it puts the event on its bus, then one rule, and only it, sends it to the queue the completion worker consumes',
    async (detailType) => {
      const entry = await countryOutcomeEntry(detailType);
      const taking = rulesTaking({ source: entry.Source, 'detail-type': entry.DetailType });
      expect(taking).toHaveLength(1);
      const [, rule] = taking[0] as [string, CfnResource];
      const consumers = consumersByQueue(synthesized.template);
      const countryWorkers = [...consumers.values()].filter((worker) => environment.countryISO in environmentOf(worker));

      // The bus the country workers put on is the bus the rule listens to.
      for (const worker of countryWorkers) {
        expect(environmentOf(worker)[environment.eventBusName]).toEqual(rule.Properties.EventBusName);
      }
      expect(rule.Properties.EventPattern).toEqual(topology.countryOutcomes.rulePattern);

      const [target] = rule.Properties.Targets as { Arn: unknown; DeadLetterConfig?: { Arn: unknown } }[];
      expect(referencedLogicalId(target?.Arn)).toBe(queueConsumedBy(synthesized, deployedFunctions.completionWorker.id));
      // Events EventBridge cannot deliver are kept, not dropped: in the confirmation queue's own DLQ, which its alarms watch.
      const confirmationQueue = resource(synthesized.template, referencedLogicalId(target?.Arn));
      const { deadLetterTargetArn } = confirmationQueue.Properties.RedrivePolicy as { deadLetterTargetArn: unknown };
      expect(referencedLogicalId(target?.DeadLetterConfig?.Arn)).toBe(referencedLogicalId(deadLetterTargetArn));
    },
  );

  it('given an event from another source, when it reaches the bus, then no rule takes it', () => {
    for (const detailType of [...topology.countryOutcomes.detailTypes, topology.slotAvailability.detailType]) {
      expect(rulesTaking({ source: 'someone.else', 'detail-type': detailType })).toEqual([]);
    }
  });
});

describe('workers consuming their queues', () => {
  it('given any worker, when a batch partly fails, then only the failed messages come back (ReportBatchItemFailures)', () => {
    const mappings = resourcesOfType(synthesized.template, 'AWS::Lambda::EventSourceMapping');

    expect(mappings).toHaveLength(workerQueues.length);
    for (const [, mapping] of mappings) {
      expect(mapping.Properties.FunctionResponseTypes).toEqual(['ReportBatchItemFailures']);
    }
  });

  it.each(workerQueues)(
    'given the topology, when the $consumer polls $name, then it batches and scales as it declares',
    ({ settings, consumer }) => {
      const queueId = queueConsumedBy(synthesized, consumer);
      const [[, mapping]] = resourcesOfType(synthesized.template, 'AWS::Lambda::EventSourceMapping').filter(
        ([, candidate]) => referencedLogicalId(candidate.Properties.EventSourceArn) === queueId,
      ) as [[string, CfnResource]];

      expect(mapping.Properties).toMatchObject({
        BatchSize: settings.batchSize,
        MaximumBatchingWindowInSeconds: settings.maxBatchingWindowSeconds,
        ScalingConfig: { MaximumConcurrency: settings.maxConcurrency },
      });
      expect(resource(synthesized.template, functionLogicalId(synthesized, consumer)).Properties.Timeout).toBe(
        settings.workerTimeoutSeconds,
      );
      expect(resource(synthesized.template, queueId).Properties.VisibilityTimeout).toBe(settings.visibilityTimeoutSeconds);
    },
  );
});

describe('what follows a stored status change', () => {
  it('given the completion worker, when it has stored a change, then it may put AppointmentStatusChanged on the bus the rules listen to, with or without emails', () => {
    const completionWorker = resource(synthesized.template, functionLogicalId(synthesized, deployedFunctions.completionWorker.id));
    const busName = environmentOf(completionWorker)[environment.eventBusName];
    const [[busId]] = resourcesOfType(synthesized.template, 'AWS::Events::EventBus') as [[string, unknown]];
    const putEvents = statementsOf(synthesized, deployedFunctions.completionWorker.id).filter((statement) =>
      [statement.Action].flat().includes('events:PutEvents'),
    );

    expect(referencedLogicalId(busName)).toBe(busId);
    expect(putEvents).toEqual([
      expect.objectContaining({ Effect: 'Allow', Action: 'events:PutEvents', Resource: { 'Fn::GetAtt': [busId, 'Arn'] } }),
    ]);
  });

  it('given no senderEmail, when the stack is synthesized, then nothing of the email route exists and synth warns how to turn emails on', () => {
    const functions = resourcesOfType(synthesized.template, 'AWS::Lambda::Function');

    expect(resourcesOfType(synthesized.template, 'AWS::SES::EmailIdentity')).toEqual([]);
    expect(functions.filter(([, fn]) => environment.senderEmail in environmentOf(fn))).toEqual([]);
    expect(() => functionLogicalId(synthesized, deployedFunctions.notificationWorker.id)).toThrow();
    // Nor reminders, which are emails: no Scheduler group, no reminder worker.
    expect(resourcesOfType(synthesized.template, 'AWS::Scheduler::ScheduleGroup')).toEqual([]);
    expect(() => functionLogicalId(synthesized, deployedFunctions.reminderWorker.id)).toThrow();
    // The appointments table and the slot read model: no idempotency records.
    expect(resourcesOfType(synthesized.template, 'AWS::DynamoDB::Table')).toHaveLength(2);
    // The country outcomes' and the slot availability rules only, and the country, confirmation and availability queues with their DLQs.
    expect(resourcesOfType(synthesized.template, 'AWS::Events::Rule').map(([, rule]) => rule.Properties.EventPattern)).toEqual([
      topology.countryOutcomes.rulePattern,
      topology.slotAvailability.rulePattern,
    ]);
    expect(resourcesOfType(synthesized.template, 'AWS::SQS::Queue')).toHaveLength(2 * workerQueues.length);
    const [, dashboard] = resourcesOfType(synthesized.template, 'AWS::CloudWatch::Dashboard')[0] ?? [];
    expect(JSON.stringify(dashboard?.Properties.DashboardBody)).toContain(metricNames.statusChangesPublished);
    expect(JSON.stringify(dashboard?.Properties.DashboardBody)).not.toContain(metricNames.emailsSent);
    const warnings = Annotations.fromStack(synthesized.stack).findWarning('*', Match.stringLikeRegexp('-c senderEmail='));
    expect(warnings).toHaveLength(1);
    expect(warnings[0]?.entry.data).toEqual(expect.stringMatching(/no email/i));
  });
});
