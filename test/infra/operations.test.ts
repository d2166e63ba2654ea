import type { CfnElement } from 'aws-cdk-lib';
import { Queue } from 'aws-cdk-lib/aws-sqs';
import { countryISOs } from '../../core/domain/countries';
import { metricNames, metricsNamespace } from '../../core/observability/metrics';
import { environment } from '../../core/config/environment';
import { topology } from '../../core/config/topology';
import { findingKinds } from '../../core/use-cases/reconcile-appointments';
import { allDeployedFunctions, deployedFunctions } from '../../infra/bundling';
import { MYSQL_CONNECTIONS_PER_WORKER } from '../../infra/country-database';
import { DECISION_TIME_P99_TARGET_MS } from '../../infra/operations';
import {
  functionLogicalId,
  referencedLogicalId,
  resource,
  resourcesOfType,
  rightsOf,
  SENDER_EMAIL,
  statementsOf,
  tableLogicalIds,
  type CfnResource,
  type SynthesizedApp,
  synthesizeAppointmentsApp,
  SYNTHESIS_TIMEOUT_MS,
} from './synthesized-app';
import { requestsOf } from './table-requests';

/** What the on-call person is paged for and what they look at: the alarms and the dashboard. */

const ALARM_TOPIC_ARN = 'arn:aws:sns:us-east-1:111122223333:on-call';
let synthesized: SynthesizedApp;
beforeAll(() => {
  // With emails on: every queue, worker and graph the stack can have.
  synthesized = synthesizeAppointmentsApp({
    context: { alarmTopicArn: ALARM_TOPIC_ARN, senderEmail: SENDER_EMAIL },
    validateAgainstCloudFormationRules: false,
  });
}, SYNTHESIS_TIMEOUT_MS);
afterAll(() => synthesized.cleanup());

type AlarmProperties = {
  Period?: number;
  TreatMissingData?: string;
  MetricName?: string;
  Namespace?: string;
  Dimensions?: { Name: string; Value: unknown }[];
  Threshold: number;
  ComparisonOperator: string;
  Statistic?: string;
  ExtendedStatistic?: string;
  AlarmActions?: unknown[];
  EvaluationPeriods: number;
};
const alarms = () =>
  resourcesOfType(synthesized.template, 'AWS::CloudWatch::Alarm').map(([, alarm]) => alarm.Properties as AlarmProperties);
const logicalIdOfQueue = (queueName: string) => {
  const queue = synthesized.stack.node
    .findAll()
    .find((construct): construct is Queue => construct instanceof Queue && construct.node.id === queueName);
  if (!queue) throw new Error(`No queue ${queueName}`);
  return synthesized.stack.getLogicalId(queue.node.defaultChild as CfnElement);
};
/** Every queue a worker consumes, with emails on. */
const workerQueues = [...topology.countryRoutes, topology.confirmations, topology.slotAvailability, topology.emailNotifications];
const onFunction = (id: string) => (alarm: AlarmProperties) =>
  JSON.stringify(alarm.Dimensions ?? []).includes(`"${functionLogicalId(synthesized, id)}"`);

describe('the alarms', () => {
  it('given an alarm topic, when any alarm fires, then it notifies that topic: every alarm of the stack names it', () => {
    expect(alarms().length).toBeGreaterThan(10);
    for (const alarm of alarms()) expect(alarm.AlarmActions).toEqual([ALARM_TOPIC_ARN]);
  });

  it.each(workerQueues)(
    'given the $queueName queue, when its oldest message is older than its retries can explain, then an alarm fires',
    (settings) => {
      const retriesWindow = settings.maxReceiveCount * settings.visibilityTimeoutSeconds + settings.maxBatchingWindowSeconds;
      const ageAlarms = alarms().filter((alarm) => alarm.MetricName === 'ApproximateAgeOfOldestMessage');
      const queueLogicalId = logicalIdOfQueue(settings.queueName);
      const onThisQueue = ageAlarms.filter((alarm) =>
        alarm.Dimensions?.some(({ Name, Value }) => Name === 'QueueName' && referencedLogicalId(Value) === queueLogicalId),
      );

      expect(ageAlarms).toHaveLength(workerQueues.length);
      // Its own alarm, on its own queue, at its own retries' window.
      expect(onThisQueue).toEqual([
        expect.objectContaining({ Threshold: retriesWindow, ComparisonOperator: 'GreaterThanThreshold', Statistic: 'Maximum' }),
      ]);
    },
  );

  it('given a worker that crashes or times out, when it fails a whole invocation, then its errors alarm fires; every function has a throttles alarm', () => {
    const workers = [
      ...deployedFunctions.countryWorkers.map((worker) => worker.id),
      deployedFunctions.completionWorker.id,
      deployedFunctions.slotProjector.id,
      deployedFunctions.notificationWorker.id,
    ];
    for (const id of workers) {
      expect(
        alarms()
          .filter(onFunction(id))
          .filter((alarm) => alarm.MetricName === 'Errors'),
      ).toEqual([expect.objectContaining({ Threshold: 0, Statistic: 'Sum' })]);
    }
    for (const { id } of allDeployedFunctions) {
      expect(
        alarms()
          .filter(onFunction(id))
          .filter((alarm) => alarm.MetricName === 'Throttles'),
      ).toHaveLength(1);
    }
  });

  it.each(countryISOs)(
    'given bookings in %s, when the p99 of booking-to-decision time stays over its target for 15 minutes, then an alarm fires',
    (countryISO) => {
      const decisionAlarms = alarms().filter(
        (alarm) => alarm.MetricName === metricNames.decisionTime && JSON.stringify(alarm.Dimensions).includes(`"${countryISO}"`),
      );

      expect(decisionAlarms).toEqual([
        expect.objectContaining({
          Namespace: metricsNamespace,
          ExtendedStatistic: 'p99',
          Threshold: DECISION_TIME_P99_TARGET_MS,
          EvaluationPeriods: 3,
        }),
      ]);
    },
  );

  it('given the country database, when its free storage runs low or its connections exceed what the workers may open, then an alarm fires; AppSync 5XX too', () => {
    const workersMayOpen = topology.countryRoutes.reduce((sum, route) => sum + route.maxConcurrency * MYSQL_CONNECTIONS_PER_WORKER, 0);
    const named = (metricName: string) => alarms().filter((alarm) => alarm.MetricName === metricName);

    expect(named('FreeStorageSpace')).toEqual([
      expect.objectContaining({ Namespace: 'AWS/RDS', ComparisonOperator: 'LessThanThreshold', Threshold: 1024 ** 3 }),
    ]);
    expect(named('DatabaseConnections')).toEqual([
      expect.objectContaining({ Namespace: 'AWS/RDS', ComparisonOperator: 'GreaterThanThreshold', Threshold: 2 * workersMayOpen }),
    ]);
    expect(named('5XXError')).toEqual([
      expect.objectContaining({ Namespace: 'AWS/AppSync', ComparisonOperator: 'GreaterThanThreshold', Threshold: 0 }),
    ]);
  });
});

describe('the dashboard', () => {
  it("given the stack, when an on-call person opens its dashboard, then it shows the API, the queues and DLQs, every function, the database and the pipeline's own metrics", () => {
    const [dashboard] = resourcesOfType(synthesized.template, 'AWS::CloudWatch::Dashboard');
    const body = JSON.stringify((dashboard as [string, CfnResource])[1].Properties.DashboardBody);

    for (const metric of [
      'AWS/AppSync',
      '4XXError',
      '5XXError',
      'Latency',
      'ApproximateNumberOfMessagesVisible',
      'ApproximateAgeOfOldestMessage',
      'Errors',
      'Throttles',
      'Duration',
      'CPUUtilization',
      'DatabaseConnections',
      'FreeStorageSpace',
    ]) {
      expect(body).toContain(metric);
    }
    for (const name of Object.values(metricNames)) expect(body).toContain(name);
    for (const { id } of allDeployedFunctions) expect(body).toContain(id);
    // The body's text without the references CloudFormation fills in: each queue and DLQ has its own labelled line.
    const text = ((dashboard as [string, CfnResource])[1].Properties.DashboardBody as { 'Fn::Join': [string, unknown[]] })['Fn::Join'][1]
      .map((part) => (typeof part === 'string' ? part : ''))
      .join('');
    for (const { queueName, deadLetterQueueName } of workerQueues) {
      expect(text).toContain(`"label":"${queueName}"`);
      expect(text).toContain(`"label":"${deadLetterQueueName}"`);
    }
  });

  it('given emails on, when the on-call person opens the dashboard, then it graphs the emails sent per country and those skipped; a skipped email pages nobody', () => {
    const [[, dashboard]] = resourcesOfType(synthesized.template, 'AWS::CloudWatch::Dashboard') as [[string, CfnResource]];
    const body = JSON.stringify(dashboard.Properties.DashboardBody);

    expect(body).toContain('Emails sent and skipped');
    for (const countryISO of countryISOs) expect(body).toContain(`sent ${countryISO}`);
    expect(body).toContain(metricNames.emailsSkipped);
    // A person without a verified address is normal: counted, never an alarm.
    expect(alarms().filter((alarm) => alarm.MetricName === metricNames.emailsSkipped)).toEqual([]);
  });
});

describe('the scheduled reconciliation', () => {
  const reconcilerId = () => functionLogicalId(synthesized, deployedFunctions.reconciler.id);

  it(`given the stack, when EventBridge Scheduler runs the reconciler every ${topology.reconciliation.everyMinutes} minutes, then its role may invoke that function and nothing else`, () => {
    const [[, schedule]] = resourcesOfType(synthesized.template, 'AWS::Scheduler::Schedule') as [[string, CfnResource]];
    const target = schedule.Properties.Target as { Arn: unknown; RoleArn: unknown; RetryPolicy?: { MaximumRetryAttempts: number } };

    expect(schedule.Properties.ScheduleExpression).toBe(`rate(${topology.reconciliation.everyMinutes} minutes)`);
    expect(referencedLogicalId(target.Arn)).toBe(reconcilerId());
    expect(target.RetryPolicy?.MaximumRetryAttempts).toBe(0);
    const roleId = referencedLogicalId(target.RoleArn);
    const statements = resourcesOfType(synthesized.template, 'AWS::IAM::Policy')
      .filter(([, policy]) => (policy.Properties.Roles as unknown[]).some((role) => referencedLogicalId(role) === roleId))
      .flatMap(([, policy]) => (policy.Properties.PolicyDocument as { Statement: { Action: unknown; Resource: unknown }[] }).Statement);
    expect(statements).toEqual([
      expect.objectContaining({ Action: 'lambda:InvokeFunction', Resource: { 'Fn::GetAtt': [reconcilerId(), 'Arn'] } }),
    ]);
  });

  it('given the reconciler, when it runs, then it sits in the isolated subnets with the database clients, reaches DynamoDB through a gateway endpoint, and may only Scan the appointments and the read model (its base table, the requests its adapter makes)', async () => {
    const fn = resource(synthesized.template, reconcilerId());
    const vpcConfig = fn.Properties.VpcConfig as { SubnetIds: unknown[]; SecurityGroupIds: unknown[] };
    const isolatedSubnets = resourcesOfType(synthesized.template, 'AWS::EC2::Subnet').map(([id]) => id);
    const endpoints = resourcesOfType(synthesized.template, 'AWS::EC2::VPCEndpoint').map(([, endpoint]) => endpoint.Properties);
    const tables = tableLogicalIds(synthesized);
    const slotRequests = await requestsOf(async (model) => {
      for await (const slot of model.slotStates()) void slot;
    });
    const fnEnvironment = (fn.Properties.Environment as { Variables: Record<string, unknown> }).Variables;

    expect(vpcConfig.SubnetIds.map(referencedLogicalId).sort()).toEqual(isolatedSubnets.sort());
    expect(vpcConfig.SecurityGroupIds).toHaveLength(2);
    expect(
      endpoints.filter((endpoint) => endpoint.VpcEndpointType === 'Gateway').map((endpoint) => JSON.stringify(endpoint.ServiceName)),
    ).toEqual([expect.stringContaining('.dynamodb')]);
    expect(slotRequests).toEqual(['dynamodb:Scan']);
    expect(rightsOf(statementsOf(synthesized, deployedFunctions.reconciler.id)).filter((right) => right.startsWith('dynamodb:'))).toEqual(
      [`dynamodb:Scan \${${tables.appointments}.Arn}`, `dynamodb:Scan \${${tables.slots}.Arn}`].sort(),
    );
    expect(fnEnvironment).toMatchObject({
      [environment.appointmentsTableName]: { Ref: tables.appointments },
      [environment.slotsTableName]: { Ref: tables.slots },
    });
  });

  it.each(findingKinds)('given a reconciliation that finds %s cases, when its metric is above zero, then an alarm fires', (kind) => {
    const findingAlarms = alarms().filter(
      (alarm) =>
        alarm.MetricName === metricNames.reconciliationFindings &&
        JSON.stringify(alarm.Dimensions).includes(`"${kind}"`) &&
        alarm.Statistic === 'Maximum',
    );

    expect(findingAlarms).toEqual([
      expect.objectContaining({
        Threshold: 0,
        ComparisonOperator: 'GreaterThanThreshold',
        Period: topology.reconciliation.everyMinutes * 60,
      }),
    ]);
  });

  it('given a reconciliation that stops reporting, when three of its periods pass without a count, then an alarm fires', () => {
    expect(alarms()).toContainEqual(
      expect.objectContaining({
        MetricName: metricNames.reconciliationFindings,
        Statistic: 'SampleCount',
        ComparisonOperator: 'LessThanThreshold',
        TreatMissingData: 'breaching',
      }),
    );
  });
});
