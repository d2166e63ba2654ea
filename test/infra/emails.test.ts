import { DynamoDBClient, PutItemCommand, UpdateItemCommand, type AttributeValue } from '@aws-sdk/client-dynamodb';
import { EventBridgeClient, PutEventsCommand, type PutEventsRequestEntry } from '@aws-sdk/client-eventbridge';
import type { Context } from 'aws-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import { EventBridgeStatusChangeBus, EventBusEntries } from '../../core/adapters/eventbridge-bus';
import { idempotentStep } from '../../core/adapters/idempotent-step';
import { environment } from '../../core/config/environment';
import { idempotencyRecordAttributes } from '../../core/config/idempotency-records';
import type { AppointmentStatusChanged } from '../../core/messages/appointment-messages';
import { topology } from '../../core/config/topology';
import { deployedFunctions } from '../../infra/bundling';
import { optionalStackOutputs } from '../../infra/stack-outputs';
import {
  consumersByQueue,
  environmentOf,
  functionLogicalId,
  patternMatches,
  referencedLogicalId,
  renderedArn,
  resource,
  resourcesOfType,
  SENDER_EMAIL,
  statementsOf,
  synthesizeAppointmentsApp,
  SYNTHESIS_TIMEOUT_MS,
  type CfnResource,
  type SynthesizedApp,
} from './synthesized-app';

const { key: IDEMPOTENCY_KEY_ATTRIBUTE, expiry: IDEMPOTENCY_EXPIRY_ATTRIBUTE } = idempotencyRecordAttributes;

/**
 * The insured person's email in AWS (`-c senderEmail=…`): the rule, queue and DLQ, the notification worker
 * and what its role may do. routing.test.ts checks the stack without the flag has none of it.
 */

let synthesized: SynthesizedApp;
beforeAll(() => {
  // compliance.test.ts runs cdk-nag and CloudFormation's own rules over the same app.
  synthesized = synthesizeAppointmentsApp({ context: { senderEmail: SENDER_EMAIL }, validateAgainstCloudFormationRules: false });
}, SYNTHESIS_TIMEOUT_MS);
afterAll(() => synthesized.cleanup());

const workerId = deployedFunctions.notificationWorker.id;
const notificationWorker = () => resource(synthesized.template, functionLogicalId(synthesized, workerId));
const emailQueueId = () => {
  const [queueId] =
    [...consumersByQueue(synthesized.template)].find(([, worker]) => environment.senderEmail in environmentOf(worker)) ?? [];
  if (!queueId) throw new Error('No worker consumes the email queue');
  return queueId;
};
const rules = () => resourcesOfType(synthesized.template, 'AWS::Events::Rule');

/** The event the completion worker really puts on the bus after storing a change. */
async function statusChangeEntry(): Promise<PutEventsRequestEntry> {
  const eventBridge = mockClient(EventBridgeClient);
  try {
    eventBridge.on(PutEventsCommand).resolves({ Entries: [{ EventId: 'event-1' }], FailedEntryCount: 0 });
    const change: AppointmentStatusChanged = {
      appointmentId: '01JBQ6Z1Y8M3V4K5N6P7Q8R9ST',
      insuredId: '00012',
      scheduleId: 100,
      countryISO: 'PE',
      correlationId: 'correlation-1',
      status: 'COMPLETED',
      rejectionReason: null,
      updatedAt: '2026-11-22T10:00:01.000Z',
    };
    await new EventBridgeStatusChangeBus(new EventBusEntries(new EventBridgeClient({ region: 'us-east-1' }), 'appointments-bus')).announce(
      change,
    );
    const entry = eventBridge.commandCalls(PutEventsCommand)[0]?.args[0].input.Entries?.[0];
    if (!entry) throw new Error('The completion worker put no event');
    return entry;
  } finally {
    eventBridge.restore();
  }
}

describe('a stored status change on its way to an email', () => {
  it('given the completion worker has stored a change, when it announces it on the bus, then the email rule sends it to the queue the notification worker consumes', async () => {
    const entry = await statusChangeEntry();
    const emailRules = rules().filter(([, rule]) =>
      patternMatches(rule.Properties.EventPattern as Record<string, unknown>, { source: entry.Source, 'detail-type': entry.DetailType }),
    );
    const completionWorker = resource(synthesized.template, functionLogicalId(synthesized, deployedFunctions.completionWorker.id));

    expect(emailRules).toHaveLength(1);
    const [, rule] = emailRules[0] as [string, CfnResource];
    expect(rule.Properties.EventPattern).toEqual(topology.emailNotifications.rulePattern);
    // The bus the completion worker puts on is the bus the rule listens to.
    expect(environmentOf(completionWorker)[environment.eventBusName]).toEqual(rule.Properties.EventBusName);
    const [target] = rule.Properties.Targets as { Arn: unknown; DeadLetterConfig?: { Arn: unknown } }[];
    expect(referencedLogicalId(target?.Arn)).toBe(emailQueueId());
    // An event EventBridge cannot deliver waits in the email DLQ, as one the worker keeps failing does.
    const redrive = resource(synthesized.template, emailQueueId()).Properties.RedrivePolicy as { deadLetterTargetArn: unknown };
    expect(referencedLogicalId(target?.DeadLetterConfig?.Arn)).toBe(referencedLogicalId(redrive.deadLetterTargetArn));
  });

  it('given a country decision on the bus, when it arrives, then the email rule ignores it: emails follow what the appointment became', () => {
    const [, rule] =
      rules().find(
        ([, candidate]) => JSON.stringify(candidate.Properties.EventPattern) === JSON.stringify(topology.emailNotifications.rulePattern),
      ) ?? [];

    expect(rule).toBeDefined();
    for (const detailType of topology.countryOutcomes.detailTypes) {
      expect(
        patternMatches(rule?.Properties.EventPattern as Record<string, unknown>, {
          source: topology.countryOutcomes.source,
          'detail-type': detailType,
        }),
      ).toBe(false);
    }
  });

  it(`given an email that keeps failing (SES refusing), when it has been received ${topology.emailNotifications.maxReceiveCount} times, then it waits in a DLQ of its own that an alarm watches`, () => {
    const redrive = resource(synthesized.template, emailQueueId()).Properties.RedrivePolicy as {
      deadLetterTargetArn: unknown;
      maxReceiveCount: number;
    };
    const deadLetterQueueId = referencedLogicalId(redrive.deadLetterTargetArn);
    const alarmsOn = (queueId: string) =>
      resourcesOfType(synthesized.template, 'AWS::CloudWatch::Alarm')
        .map(([, alarm]) => alarm.Properties)
        .filter((alarm) => JSON.stringify(alarm.Dimensions).includes(`"${queueId}"`));

    expect(redrive.maxReceiveCount).toBe(topology.emailNotifications.maxReceiveCount);
    expect(consumersByQueue(synthesized.template).has(deadLetterQueueId)).toBe(false);
    expect(resource(synthesized.template, deadLetterQueueId).Properties).toMatchObject({
      MessageRetentionPeriod: 14 * 24 * 60 * 60,
      SqsManagedSseEnabled: true,
    });
    expect(alarmsOn(deadLetterQueueId)).toEqual([
      expect.objectContaining({
        MetricName: 'ApproximateNumberOfMessagesVisible',
        ComparisonOperator: 'GreaterThanThreshold',
        Threshold: 0,
      }),
    ]);
    // A queue nobody consumes is seen too, before its messages reach the DLQ.
    expect(alarmsOn(emailQueueId())).toEqual([expect.objectContaining({ MetricName: 'ApproximateAgeOfOldestMessage' })]);
  });

  it('given the email queue, when the notification worker polls it, then a failed message comes back alone (ReportBatchItemFailures), with the batching and timeout the topology declares', () => {
    const settings = topology.emailNotifications;
    const [, mapping] =
      resourcesOfType(synthesized.template, 'AWS::Lambda::EventSourceMapping').find(
        ([, candidate]) => referencedLogicalId(candidate.Properties.EventSourceArn) === emailQueueId(),
      ) ?? [];

    expect(referencedLogicalId(mapping?.Properties.FunctionName)).toBe(functionLogicalId(synthesized, workerId));
    expect(mapping?.Properties).toMatchObject({
      FunctionResponseTypes: ['ReportBatchItemFailures'],
      BatchSize: settings.batchSize,
      MaximumBatchingWindowInSeconds: settings.maxBatchingWindowSeconds,
      ScalingConfig: { MaximumConcurrency: settings.maxConcurrency },
    });
    expect(resource(synthesized.template, emailQueueId()).Properties.VisibilityTimeout).toBe(settings.visibilityTimeoutSeconds);
    expect(notificationWorker().Properties.Timeout).toBe(settings.workerTimeoutSeconds);
    // Outside the VPC: Cognito and SES are reached over their public endpoints.
    expect(notificationWorker().Properties.VpcConfig).toBeUndefined();
  });
});

describe('the notification worker', () => {
  const statements = () => statementsOf(synthesized, workerId);
  const about = (service: string) =>
    statements().filter((statement) => [statement.Action].flat().some((action) => action.startsWith(`${service}:`)));
  const identity = () => resourcesOfType(synthesized.template, 'AWS::SES::EmailIdentity');

  it('given the sender address, when the stack is deployed, then it is an SES email identity (SES mails it a verification link) and the worker sends from it', () => {
    expect(identity().map(([, found]) => found.Properties)).toEqual([{ EmailIdentity: SENDER_EMAIL }]);
    expect(environmentOf(notificationWorker())[environment.senderEmail]).toBe(SENDER_EMAIL);
  });

  it('given the worker sends an email, when SES checks its role, then it may call ses:SendEmail on the sender identity only, and only from the sender address', () => {
    const [[identityId]] = identity() as [[string, CfnResource]];

    expect(about('ses')).toEqual([
      expect.objectContaining({
        Effect: 'Allow',
        Action: 'ses:SendEmail',
        Condition: { StringEquals: { 'ses:FromAddress': SENDER_EMAIL } },
      }),
    ]);
    expect(renderedArn(about('ses')[0]?.Resource)).toBe(
      `arn:\${AWS::Partition}:ses:\${AWS::Region}:\${AWS::AccountId}:identity/\${${identityId}}`,
    );
  });

  it("given the worker looks up an insured person's address, when Cognito checks its role, then it may list the users of the API's user pool and nothing else there", () => {
    const [[poolId]] = resourcesOfType(synthesized.template, 'AWS::Cognito::UserPool') as [[string, CfnResource]];

    expect(about('cognito-idp')).toEqual([
      expect.objectContaining({ Action: 'cognito-idp:ListUsers', Resource: { 'Fn::GetAtt': [poolId, 'Arn'] } }),
    ]);
    expect(referencedLogicalId(environmentOf(notificationWorker())[environment.userPoolId])).toBe(poolId);
  });

  it('given the idempotency records, when the worker claims, completes or frees one, then it may do exactly that on its own table: no Scan, no Query, no other table', () => {
    const tableId = referencedLogicalId(environmentOf(notificationWorker())[environment.idempotencyTableName]);

    expect(about('dynamodb')).toEqual([expect.objectContaining({ Resource: { 'Fn::GetAtt': [tableId, 'Arn'] } })]);
    expect([about('dynamodb')[0]?.Action].flat().sort()).toEqual([
      'dynamodb:DeleteItem',
      'dynamodb:GetItem',
      'dynamodb:PutItem',
      'dynamodb:UpdateItem',
    ]);
  });

  it('given npm run smoke -- --email, when it looks for the line the worker logged about the check email, then the stack outputs name the log group the worker writes to', () => {
    const outputs = synthesized.template.toJSON() as { Outputs: Record<string, { Value: unknown }> };
    const loggingConfig = notificationWorker().Properties.LoggingConfig as { LogGroup: unknown };

    expect(referencedLogicalId(outputs.Outputs[optionalStackOutputs.notificationWorkerLogGroup]?.Value)).toBe(
      referencedLogicalId(loggingConfig.LogGroup),
    );
    expect(resource(synthesized.template, referencedLogicalId(loggingConfig.LogGroup)).Type).toBe('AWS::Logs::LogGroup');
  });

  it('given its role, when every statement is read, then it holds nothing beyond its logs, traces, queue, records, the user lookup and the send', () => {
    const services = new Set(statements().flatMap((statement) => [statement.Action].flat().map((action) => action.split(':')[0])));

    expect([...services].sort()).toEqual(['cognito-idp', 'dynamodb', 'logs', 'ses', 'sqs', 'xray']);
    for (const statement of about('sqs')) expect(referencedLogicalId(statement.Resource)).toBe(emailQueueId());
  });
});

describe('the idempotency records', () => {
  const table = () =>
    resource(synthesized.template, referencedLogicalId(environmentOf(notificationWorker())[environment.idempotencyTableName]));

  /** The item the worker's idempotent step (Powertools idempotency) writes when it claims a change. */
  async function claimedRecord(): Promise<Record<string, AttributeValue>> {
    const dynamodb = mockClient(DynamoDBClient);
    try {
      dynamodb.on(PutItemCommand).resolves({});
      dynamodb.on(UpdateItemCommand).resolves({});
      const sendOnce = idempotentStep(
        (change: { appointmentId: string; correlationId: string; status: string }) => Promise.resolve(change.appointmentId),
        {
          tableName: 'idempotency-records',
          dynamodb: new DynamoDBClient({ region: 'us-east-1' }),
          keyJmesPath: '[appointmentId, status]',
          expiresAfterSeconds: topology.emailNotifications.idempotencyDays * 24 * 60 * 60,
          logger: { info: jest.fn(), warn: jest.fn(), error: jest.fn() },
        },
      );
      // As the worker does per invocation: an in-progress claim lapses with the invocation.
      sendOnce.registerLambdaContext({ getRemainingTimeInMillis: () => 10_000 } as Context);
      await sendOnce.run({ appointmentId: '01JBQ6Z1Y8M3V4K5N6P7Q8R9ST', correlationId: 'c', status: 'COMPLETED' });
      const item = dynamodb.commandCalls(PutItemCommand)[0]?.args[0].input.Item;
      if (!item) throw new Error('Powertools wrote no record');
      return item;
    } finally {
      dynamodb.restore();
    }
  }

  it('given the records Powertools writes, when DynamoDB stores them, then their key is the table key and their expiry, in epoch seconds, is the TTL attribute that deletes them', async () => {
    const record = await claimedRecord();

    expect(table().Properties).toMatchObject({
      KeySchema: [{ AttributeName: IDEMPOTENCY_KEY_ATTRIBUTE, KeyType: 'HASH' }],
      AttributeDefinitions: [{ AttributeName: IDEMPOTENCY_KEY_ATTRIBUTE, AttributeType: 'S' }],
      TimeToLiveSpecification: { AttributeName: IDEMPOTENCY_EXPIRY_ATTRIBUTE, Enabled: true },
    });
    expect(record[IDEMPOTENCY_KEY_ATTRIBUTE]?.S).toEqual(expect.any(String));
    // DynamoDB's TTL deletes an item whose attribute is a Number of epoch seconds in the past.
    const expiresAt = Number(record[IDEMPOTENCY_EXPIRY_ATTRIBUTE]?.N);
    expect(expiresAt).toBeGreaterThan(Date.now() / 1000);
    // Seconds, not milliseconds (which would put it thousands of years ahead).
    expect(expiresAt).toBeLessThan(Date.now() / 1000 + 365 * 24 * 60 * 60);
  });

  it('given the default settings, when the stack is deployed, then the table is on demand, recoverable to a point in time and refuses deletion, as the appointments table does', () => {
    expect(table().Properties).toMatchObject({
      BillingMode: 'PAY_PER_REQUEST',
      PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
      DeletionProtectionEnabled: true,
    });
  });
});

describe('the senderEmail context', () => {
  it.each(['citas.example.com', 'citas@example', 'citas @example.com', 'true'])(
    'given -c senderEmail=%s, when the app is synthesized, then synth fails saying what the flag takes',
    (senderEmail) => {
      expect(() => synthesizeAppointmentsApp({ context: { senderEmail }, validateAgainstCloudFormationRules: false })).toThrow(
        /Context senderEmail must be the email address the emails are sent from \(-c senderEmail=citas@example\.com\)/,
      );
    },
  );
});
