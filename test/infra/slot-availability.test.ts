import { EventBridgeClient, PutEventsCommand, type PutEventsRequestEntry } from '@aws-sdk/client-eventbridge';
import { mockClient } from 'aws-sdk-client-mock';
import { EventBridgeSlotAvailabilityBus, EventBusEntries } from '../../core/adapters/eventbridge-bus';
import { environment } from '../../core/config/environment';
import { freeSlotIndexes } from '../../core/config/slot-read-model';
import { topology } from '../../core/config/topology';
import { slotAvailabilityEventSchema } from '../../core/messages/slot-messages';
import { allDeployedFunctions, deployedFunctions } from '../../infra/bundling';
import { aSlotSnapshot, requestsOf, type TableRequest } from './table-requests';
import {
  environmentOf,
  functionLogicalId,
  patternMatches,
  queueConsumedBy,
  referencedLogicalId,
  resource,
  resourcesOfType,
  rightsOf,
  statementsOf,
  tableLogicalIds,
  synthesizeAppointmentsApp,
  SYNTHESIS_TIMEOUT_MS,
  type CfnResource,
  type SynthesizedApp,
} from './synthesized-app';

/**
 * The slot read model's route in AWS (issue 32): the rule taking each SlotAvailabilityChanged a country worker
 * announces to the availability queue, the queue and its DLQ, the slot projector consuming it and what its role
 * may do. api.test.ts checks the rights of the resolvers that read the model; operations.test.ts the alarms.
 */

let synthesized: SynthesizedApp;
beforeAll(() => {
  // compliance.test.ts runs cdk-nag and CloudFormation's own rules over the same app.
  synthesized = synthesizeAppointmentsApp({ validateAgainstCloudFormationRules: false });
}, SYNTHESIS_TIMEOUT_MS);
afterAll(() => synthesized.cleanup());

const route = topology.slotAvailability;
const projectorId = deployedFunctions.slotProjector.id;
const projector = () => resource(synthesized.template, functionLogicalId(synthesized, projectorId));
const availabilityQueueId = () => queueConsumedBy(synthesized, projectorId);
const deadLetterQueueIdOf = (queueId: string) =>
  referencedLogicalId(
    (resource(synthesized.template, queueId).Properties.RedrivePolicy as { deadLetterTargetArn: unknown }).deadLetterTargetArn,
  );
const rules = () => resourcesOfType(synthesized.template, 'AWS::Events::Rule');
const rulesTaking = (event: { source?: string; 'detail-type'?: string }) =>
  rules().filter(([, rule]) => patternMatches(rule.Properties.EventPattern as Record<string, unknown>, event));

/** The event a country worker really puts on the bus after a change to one of its slots. */
async function slotAvailabilityEntry(): Promise<PutEventsRequestEntry> {
  const eventBridge = mockClient(EventBridgeClient);
  try {
    eventBridge.on(PutEventsCommand).resolves({ Entries: [{ EventId: 'event-1' }], FailedEntryCount: 0 });
    await new EventBridgeSlotAvailabilityBus(
      new EventBusEntries(new EventBridgeClient({ region: 'us-east-1' }), 'appointments-bus'),
    ).announce({
      ...aSlotSnapshot({ availability: 'TAKEN', version: 2 }),
      correlationId: 'correlation-1',
    });
    const entry = eventBridge.commandCalls(PutEventsCommand)[0]?.args[0].input.Entries?.[0];
    if (!entry) throw new Error('The country worker put no event');
    return entry;
  } finally {
    eventBridge.restore();
  }
}

describe("a slot's state on the event bus", () => {
  it('given a country worker has changed a slot, when it puts SlotAvailabilityChanged on its bus, then one rule, and only it, sends the event to the queue the slot projector consumes', async () => {
    const entry = await slotAvailabilityEntry();
    const taking = rulesTaking({ source: entry.Source, 'detail-type': entry.DetailType });

    expect(taking).toHaveLength(1);
    const [, rule] = taking[0] as [string, CfnResource];
    expect(rule.Properties.EventPattern).toEqual(route.rulePattern);
    // The bus the country workers put on is the bus the rule listens to.
    for (const worker of deployedFunctions.countryWorkers) {
      const env = environmentOf(resource(synthesized.template, functionLogicalId(synthesized, worker.id)));
      expect(env[environment.eventBusName]).toEqual(rule.Properties.EventBusName);
    }
    const [target, ...others] = rule.Properties.Targets as { Arn: unknown; DeadLetterConfig?: { Arn: unknown } }[];
    expect(others).toEqual([]);
    expect(referencedLogicalId(target?.Arn)).toBe(availabilityQueueId());
    // Events EventBridge cannot deliver are kept, not dropped: in the availability queue's own DLQ, which its alarms watch.
    expect(referencedLogicalId(target?.DeadLetterConfig?.Arn)).toBe(deadLetterQueueIdOf(availabilityQueueId()));
  });

  it('given the rule delivers an event, when the projector reads the message, then its body is the event itself (no input transformer), which the projector parses', async () => {
    const entry = await slotAvailabilityEntry();
    const [[, rule]] = rulesTaking({ source: entry.Source, 'detail-type': entry.DetailType }) as [[string, CfnResource]];
    const [target] = rule.Properties.Targets as Record<string, unknown>[];

    for (const transform of ['Input', 'InputPath', 'InputTransformer']) expect(target).not.toHaveProperty(transform);
    // The event as EventBridge delivers it, built from what the worker put.
    const delivered = {
      version: '0',
      id: 'event-1',
      'detail-type': entry.DetailType,
      source: entry.Source,
      account: '111122223333',
      time: '2026-12-15T13:00:01Z',
      region: 'us-east-1',
      resources: [],
      detail: JSON.parse(entry.Detail ?? 'null') as unknown,
    };
    expect(slotAvailabilityEventSchema.safeParse(delivered).success).toBe(true);
  });

  it("given the other events on the bus (a country's decisions, stored status changes) or a slot event from another source, when they arrive, then the slot rule ignores them", () => {
    const [[, rule]] = rules().filter(
      ([, candidate]) => JSON.stringify(candidate.Properties.EventPattern) === JSON.stringify(route.rulePattern),
    ) as [[string, CfnResource]];
    const pattern = rule.Properties.EventPattern as Record<string, unknown>;

    for (const detailType of topology.countryOutcomes.detailTypes) {
      expect(patternMatches(pattern, { source: topology.countryOutcomes.source, 'detail-type': detailType })).toBe(false);
    }
    const { source, detailType } = topology.statusChangeEvents;
    expect(patternMatches(pattern, { source, 'detail-type': detailType })).toBe(false);
    expect(patternMatches(pattern, { source: 'someone.else', 'detail-type': route.detailType })).toBe(false);
  });

  it('given the country workers, when they announce a slot, then PutEvents on the one bus is all they may do on EventBridge', () => {
    const [[busId]] = resourcesOfType(synthesized.template, 'AWS::Events::EventBus') as [[string, CfnResource]];

    for (const worker of deployedFunctions.countryWorkers) {
      const onEventBridge = rightsOf(statementsOf(synthesized, worker.id)).filter((right) => right.startsWith('events:'));
      expect([worker.id, onEventBridge]).toEqual([worker.id, [`events:PutEvents \${${busId}.Arn}`]]);
    }
  });
});

describe('the availability queue', () => {
  it(`given a message the projector keeps failing, when it has been received ${route.maxReceiveCount} times, then it waits 14 days in a DLQ of its own, encrypted, that nothing consumes`, () => {
    const queue = resource(synthesized.template, availabilityQueueId());
    const deadLetterQueueId = deadLetterQueueIdOf(availabilityQueueId());

    expect(queue.Properties).toMatchObject({
      VisibilityTimeout: route.visibilityTimeoutSeconds,
      RedrivePolicy: expect.objectContaining({ maxReceiveCount: route.maxReceiveCount }) as unknown,
      SqsManagedSseEnabled: true,
    });
    expect(resource(synthesized.template, deadLetterQueueId).Properties).toMatchObject({
      MessageRetentionPeriod: 14 * 24 * 60 * 60,
      SqsManagedSseEnabled: true,
    });
    expect(
      resourcesOfType(synthesized.template, 'AWS::Lambda::EventSourceMapping').filter(
        ([, mapping]) => referencedLogicalId(mapping.Properties.EventSourceArn) === deadLetterQueueId,
      ),
    ).toEqual([]);
  });

  it('given the stack outputs, when an operator redrives the DLQ, then its ARN is printed with the command that does it', () => {
    const outputs = (synthesized.template.toJSON() as { Outputs: Record<string, { Value: unknown; Description?: string }> }).Outputs;
    const output = Object.values(outputs).find(
      (candidate) =>
        JSON.stringify(candidate.Value) === JSON.stringify({ 'Fn::GetAtt': [deadLetterQueueIdOf(availabilityQueueId()), 'Arn'] }),
    );

    expect(output?.Description).toContain(route.deadLetterQueueName);
    expect(output?.Description).toContain('start-message-move-task');
  });
});

describe('the slot projector', () => {
  it('given the topology, when the projector polls its queue, then it batches and scales as declared and reports failed messages one by one', () => {
    const mappings = resourcesOfType(synthesized.template, 'AWS::Lambda::EventSourceMapping').filter(
      ([, mapping]) => referencedLogicalId(mapping.Properties.FunctionName) === functionLogicalId(synthesized, projectorId),
    );

    expect(mappings.map(([, mapping]) => mapping.Properties)).toEqual([
      expect.objectContaining({
        BatchSize: route.batchSize,
        MaximumBatchingWindowInSeconds: route.maxBatchingWindowSeconds,
        ScalingConfig: { MaximumConcurrency: route.maxConcurrency },
        FunctionResponseTypes: ['ReportBatchItemFailures'],
      }),
    ]);
    // A sixth of the visibility timeout at most, as AWS advises for an SQS event source.
    expect(projector().Properties.Timeout).toBe(route.workerTimeoutSeconds);
    expect(route.visibilityTimeoutSeconds).toBeGreaterThanOrEqual(6 * route.workerTimeoutSeconds);
  });

  it('given the bundling, when the stack and the benchmarks bundle functions, then the projector is built from the topology’s entry and is one of the functions every check bundles', () => {
    expect(deployedFunctions.slotProjector.entry).toBe(route.consumer.entry);
    expect(allDeployedFunctions).toContainEqual({ id: projectorId, entry: route.consumer.entry });
  });

  it('given the projector, when it starts, then it is told the read model table and the GraphQL URL it publishes to, nothing of the appointments table, and runs outside the VPC', () => {
    const env = environmentOf(projector());

    expect(env[environment.slotsTableName]).toEqual({ Ref: tableLogicalIds(synthesized).slots });
    expect(env[environment.graphqlUrl]).toEqual({ 'Fn::GetAtt': [expect.any(String), 'GraphQLUrl'] });
    expect(env).not.toHaveProperty(environment.appointmentsTableName);
    expect(env).not.toHaveProperty(environment.mysqlSecretArn);
    expect(projector().Properties).not.toHaveProperty('VpcConfig');
  });

  it("given the projector's role, when every right is read, then it may make exactly the requests the read model's apply makes, on the base table, consume its own queue and call its own publish mutation: nothing else", async () => {
    const requests = [
      // A slot the model does not have yet, then one it has (a newer version replaces it), then a stale one.
      ...(await requestsOf((model) => model.apply(aSlotSnapshot()))),
      ...(await requestsOf((model) => model.apply(aSlotSnapshot({ version: 2, availability: 'TAKEN' })), { replaced: aSlotSnapshot() })),
      ...(await requestsOf((model) => model.apply(aSlotSnapshot()), { stale: true, stored: aSlotSnapshot({ version: 2 }) })),
    ];
    const slotsId = tableLogicalIds(synthesized).slots;
    const rightFor = (request: TableRequest) => {
      const [action, index] = request.split(' ');
      return `${action} \${${slotsId}.Arn}${index ? `/${index}` : ''}`;
    };
    const rights = rightsOf(statementsOf(synthesized, projectorId));

    expect([...new Set(requests)].sort()).toEqual(['dynamodb:GetItem', 'dynamodb:PutItem']);
    expect(rights.filter((right) => !/^(sqs|appsync):/.test(right))).toEqual([...new Set(requests)].map(rightFor).sort());
    // appsync: the one internal mutation that pushes a slot's new state to the availability subscribers.
    const { typeName, fieldName } = topology.slotAvailabilityChanges;
    expect(rights.filter((right) => right.startsWith('appsync:'))).toEqual([
      expect.stringMatching(new RegExp(`^appsync:GraphQL arn:.*:apis/.*/types/${typeName}/fields/${fieldName}$`)),
    ]);
    // sqs: the event source mapping's own grant, on the availability queue alone.
    const queues = rights.filter((right) => right.startsWith('sqs:')).map((right) => right.split(' ')[1]);
    expect(queues.length).toBeGreaterThan(0);
    expect(new Set(queues)).toEqual(new Set([`\${${availabilityQueueId()}.Arn}`]));
    expect(rights.join('\n')).not.toContain(tableLogicalIds(synthesized).appointments);
  });
});

describe('the read model table in the stack', () => {
  it('given the default settings, when the stack is deployed, then the table has its free-slot indexes, is on demand, recoverable, retained and refuses deletion', () => {
    const slotsId = tableLogicalIds(synthesized).slots;
    const table = resource(synthesized.template, slotsId) as CfnResource & { DeletionPolicy?: string };

    expect(table.Properties).toMatchObject({
      BillingMode: 'PAY_PER_REQUEST',
      PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
      DeletionProtectionEnabled: true,
    });
    expect((table.Properties.GlobalSecondaryIndexes as { IndexName: string }[]).map((index) => index.IndexName).sort()).toEqual(
      freeSlotIndexes.map((index) => index.name).sort(),
    );
    expect(table.DeletionPolicy).toBe('Retain');
  });
});
