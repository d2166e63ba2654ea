import { EventBridgeClient, PutEventsCommand, type PutEventsRequestEntry } from '@aws-sdk/client-eventbridge';
import { PublishCommand, SNSClient, type MessageAttributeValue } from '@aws-sdk/client-sns';
import { Annotations, Match } from 'aws-cdk-lib/assertions';
import { mockClient } from 'aws-sdk-client-mock';
import { EventBridgeCountryOutcomes } from '../../core/adapters/eventbridge-bus';
import { SnsCountryMessages } from '../../core/adapters/sns-country-messages';
import { countryISOs } from '../../core/domain/countries';
import { environment } from '../../core/config/environment';
import { metricNames } from '../../core/observability/metrics';
import type { CountryISO } from '../../core/graphql/types.generated';
import type { CountryOutcome } from '../../core/messages/appointment-messages';
import { topology } from '../../core/config/topology';
import { deployedFunctions } from '../../infra/bundling';
import {
  consumersByQueue,
  environmentOf,
  functionLogicalId,
  patternMatches,
  referencedLogicalId,
  resource,
  resourcesOfType,
  statementsOf,
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
  };
  await new EventBridgeCountryOutcomes(new EventBridgeClient({ region: 'us-east-1' }), 'appointments-bus').publish(outcomes[detailType]);
  const entry = eventBridge.commandCalls(PutEventsCommand)[0]?.args[0].input.Entries?.[0];
  if (!entry) throw new Error('The country worker put no event');
  return entry;
}

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
  const workerQueues = [
    ...topology.countryRoutes.map((route) => ({
      name: route.queueName,
      settings: route,
      consumedBy: (env: Record<string, unknown>) => env[environment.countryISO] === route.countryISO,
    })),
    {
      name: topology.confirmations.queueName,
      settings: topology.confirmations,
      consumedBy: (env: Record<string, unknown>) => !(environment.countryISO in env),
    },
  ];

  it.each(workerQueues)(
    'given the $name queue, when a message has failed its max receive count, then it moves to a dead-letter queue of its own that an alarm watches',
    ({ settings, consumedBy }) => {
      const [queueId] = [...consumersByQueue(synthesized.template)].find(([, worker]) => consumedBy(environmentOf(worker))) ?? [];
      if (!queueId) throw new Error(`No worker consumes ${settings.queueName}`);

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
  it.each(topology.countryOutcomes.detailTypes)(
    'given a country worker has decided (%s), when it puts the event on its bus, then the rule sends it to the queue the completion worker consumes',
    async (detailType) => {
      const entry = await countryOutcomeEntry(detailType);
      const [ruleId, rule] = resourcesOfType(synthesized.template, 'AWS::Events::Rule')[0] ?? [];
      if (!ruleId || !rule) throw new Error('No rule');
      const consumers = consumersByQueue(synthesized.template);
      const countryWorkers = [...consumers.values()].filter((worker) => environment.countryISO in environmentOf(worker));

      // The bus the country workers put on is the bus the rule listens to.
      for (const worker of countryWorkers) {
        expect(environmentOf(worker)[environment.eventBusName]).toEqual(rule.Properties.EventBusName);
      }
      const event = { source: entry.Source, 'detail-type': entry.DetailType };
      expect(patternMatches(rule.Properties.EventPattern as Record<string, unknown>, event)).toBe(true);
      expect(rule.Properties.EventPattern).toEqual(topology.countryOutcomes.rulePattern);

      const [target] = rule.Properties.Targets as { Arn: unknown; DeadLetterConfig?: { Arn: unknown } }[];
      const completionWorker = consumers.get(referencedLogicalId(target?.Arn));
      expect(completionWorker && environmentOf(completionWorker)).not.toHaveProperty(environment.countryISO);
      expect(completionWorker && environmentOf(completionWorker)).toHaveProperty(environment.appointmentsTableName);
      // Events EventBridge cannot deliver are kept, not dropped: in the confirmation queue's own DLQ, which its alarms watch.
      const confirmationQueue = resource(synthesized.template, referencedLogicalId(target?.Arn));
      const { deadLetterTargetArn } = confirmationQueue.Properties.RedrivePolicy as { deadLetterTargetArn: unknown };
      expect(referencedLogicalId(target?.DeadLetterConfig?.Arn)).toBe(referencedLogicalId(deadLetterTargetArn));
    },
  );

  it('given an event from another source, when it reaches the bus, then the rule ignores it', () => {
    const [, rule] = resourcesOfType(synthesized.template, 'AWS::Events::Rule')[0] ?? [];
    const pattern = rule?.Properties.EventPattern as Record<string, unknown>;

    expect(patternMatches(pattern, { source: 'someone.else', 'detail-type': 'AppointmentScheduled' })).toBe(false);
  });
});

describe('workers consuming their queues', () => {
  it('given any worker, when a batch partly fails, then only the failed messages come back (ReportBatchItemFailures)', () => {
    const mappings = resourcesOfType(synthesized.template, 'AWS::Lambda::EventSourceMapping');

    expect(mappings).toHaveLength(topology.countryRoutes.length + 1);
    for (const [, mapping] of mappings) {
      expect(mapping.Properties.FunctionResponseTypes).toEqual(['ReportBatchItemFailures']);
    }
  });

  it('given the topology, when the workers poll, then they batch and scale as it declares', () => {
    const consumers = consumersByQueue(synthesized.template);
    for (const [, mapping] of resourcesOfType(synthesized.template, 'AWS::Lambda::EventSourceMapping')) {
      const worker = consumers.get(referencedLogicalId(mapping.Properties.EventSourceArn));
      const countryISO = worker && environmentOf(worker)[environment.countryISO];
      const settings = topology.countryRoutes.find((route) => route.countryISO === countryISO) ?? topology.confirmations;

      expect(mapping.Properties).toMatchObject({
        BatchSize: settings.batchSize,
        MaximumBatchingWindowInSeconds: settings.maxBatchingWindowSeconds,
        ScalingConfig: { MaximumConcurrency: settings.maxConcurrency },
      });
      expect(worker?.Properties.Timeout).toBe(settings.workerTimeoutSeconds);
      const queue = resource(synthesized.template, referencedLogicalId(mapping.Properties.EventSourceArn));
      expect(queue.Properties.VisibilityTimeout).toBe(settings.visibilityTimeoutSeconds);
    }
  });
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
    // The appointments table only: no idempotency records.
    expect(resourcesOfType(synthesized.template, 'AWS::DynamoDB::Table')).toHaveLength(1);
    // The country outcomes' rule only, and the country and confirmation queues with their DLQs.
    expect(resourcesOfType(synthesized.template, 'AWS::Events::Rule').map(([, rule]) => rule.Properties.EventPattern)).toEqual([
      topology.countryOutcomes.rulePattern,
    ]);
    expect(resourcesOfType(synthesized.template, 'AWS::SQS::Queue')).toHaveLength(2 * (topology.countryRoutes.length + 1));
    const [, dashboard] = resourcesOfType(synthesized.template, 'AWS::CloudWatch::Dashboard')[0] ?? [];
    expect(JSON.stringify(dashboard?.Properties.DashboardBody)).toContain(metricNames.statusChangesPublished);
    expect(JSON.stringify(dashboard?.Properties.DashboardBody)).not.toContain(metricNames.emailsSent);
    const warnings = Annotations.fromStack(synthesized.stack).findWarning('*', Match.stringLikeRegexp('-c senderEmail='));
    expect(warnings).toHaveLength(1);
    expect(warnings[0]?.entry.data).toEqual(expect.stringMatching(/no email/i));
  });
});
