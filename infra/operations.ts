import { Duration, Stack } from 'aws-cdk-lib';
import type * as appsync from 'aws-cdk-lib/aws-appsync';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import * as cloudwatchActions from 'aws-cdk-lib/aws-cloudwatch-actions';
import type { NodejsFunction } from 'aws-cdk-lib/aws-lambda-nodejs';
import type * as rds from 'aws-cdk-lib/aws-rds';
import type * as sns from 'aws-cdk-lib/aws-sns';
import { Construct } from 'constructs';
import { countryISOs } from '../core/domain/countries';
import { metricDimensions, metricNames, metricsNamespace, metricsServiceName } from '../core/observability/metrics';
import { retryWindowSeconds, topology } from '../core/config/topology';
import { findingCaseKey, findingKinds, remedyFor } from '../core/use-cases/reconcile-appointments';
import type { WorkerQueue } from './appointment-routing';
import { MYSQL_CONNECTIONS_PER_WORKER } from './country-database';

export interface OperationsProps {
  readonly api: appsync.GraphqlApi;
  readonly queues: readonly WorkerQueue[];
  /** Dead-letter queues no worker polls (Scheduler's, for reminders it could not deliver): alarmed when they hold anything. */
  readonly deadLetterQueues: readonly { readonly name: string; readonly queue: sqs.IQueue }[];
  /** The SQS consumers: a crash is a stuck pipeline, so their errors page someone. */
  readonly workers: readonly NodejsFunction[];
  /** Every function of the stack, for the dashboard and the throttle alarms. */
  readonly functions: readonly NodejsFunction[];
  readonly database: rds.DatabaseInstance;
  readonly alarmTopic?: sns.ITopic;
  /**
   * The stack emails insured people (a sender address was given). The email worker is then one of `workers`
   * and its queue one of `queues`, so their alarms are the ones every worker and queue has. A skipped email
   * (an account without a verified address) is normal, so it is graphed and never alarmed on.
   */
  readonly sendsEmails: boolean;
}

const MINUTE = Duration.minutes(1);
const FIVE_MINUTES = Duration.minutes(5);

/**
 * The p99 of the time from booking to stored decision that pages someone. Locally the
 * benchmark holds a loaded p99 under 2 s; in AWS each hop (SNS to SQS, SQS to Lambda's
 * poller, EventBridge to SQS) adds its own latency, so 5 s over 15 minutes is past anything
 * the hops explain and well before a patient calls to ask.
 */
export const DECISION_TIME_P99_TARGET_MS = 5_000;

/** RDS storage autoscaling grows the disk when less than 10% is free; under 5% free it has not (its ceiling reached). */
const FREE_STORAGE_ALARM_BYTES = 1 * 1024 ** 3;

/**
 * What the on-call person sees and is paged for: one dashboard (the API, the queues, the
 * functions, the database and the pipeline's own metrics) and the alarms that matter, each
 * notifying the alarm topic when one is given.
 */
export class Operations extends Construct {
  readonly dashboard: cloudwatch.Dashboard;
  readonly alarms: cloudwatch.Alarm[] = [];

  constructor(
    scope: Construct,
    id: string,
    private readonly props: OperationsProps,
  ) {
    super(scope, id);
    this.queueAlarms();
    this.functionAlarms();
    this.apiAlarms();
    this.decisionTimeAlarms();
    this.databaseAlarms();
    this.reconciliationAlarms();
    this.dashboard = new cloudwatch.Dashboard(this, 'Dashboard', {
      dashboardName: `${Stack.of(this).stackName}-health`,
      defaultInterval: Duration.hours(3),
      widgets: [this.apiWidgets(), this.businessWidgets(), this.queueWidgets(), this.functionWidgets(), this.databaseWidgets()],
    });
  }

  private alarm(id: string, metric: cloudwatch.IMetric, options: cloudwatch.CreateAlarmOptions): void {
    const alarm = new cloudwatch.Alarm(this, id, { metric, treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING, ...options });
    if (this.props.alarmTopic) alarm.addAlarmAction(new cloudwatchActions.SnsAction(this.props.alarmTopic));
    this.alarms.push(alarm);
  }

  private queueAlarms(): void {
    for (const { name, queue } of this.props.deadLetterQueues) {
      this.alarm(`${name}-holds-messages`, queue.metricApproximateNumberOfMessagesVisible({ period: MINUTE, statistic: 'Maximum' }), {
        alarmDescription: `Messages are waiting in ${name}: reminders Scheduler could not deliver. Read one for its appointment and the error, fix the cause; the appointment's reminder was not sent.`,
        threshold: 0,
        comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
        evaluationPeriods: 1,
      });
    }
    for (const { settings, queue, deadLetterQueue } of this.props.queues) {
      this.alarm(
        `${settings.deadLetterQueueName}-holds-messages`,
        deadLetterQueue.metricApproximateNumberOfMessagesVisible({ period: MINUTE, statistic: 'Maximum' }),
        {
          alarmDescription: `Messages are waiting in ${settings.deadLetterQueueName}: find the cause in the worker's logs, then redrive them (docs/operate.md).`,
          threshold: 0,
          comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
          evaluationPeriods: 1,
        },
      );
      // A message is retried maxReceiveCount times, a visibility timeout apart, and then dead-lettered:
      // one older than that has not been received at all, so the worker is not consuming the queue.
      const retriesWindowSeconds = retryWindowSeconds(settings);
      this.alarm(
        `${settings.queueName}-oldest-message-too-old`,
        queue.metricApproximateAgeOfOldestMessage({ period: MINUTE, statistic: 'Maximum' }),
        {
          alarmDescription: `A message has waited in ${settings.queueName} longer than its ${retriesWindowSeconds} s of retries can explain: its worker is not consuming (docs/operate.md).`,
          threshold: retriesWindowSeconds,
          comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
          evaluationPeriods: 1,
        },
      );
    }
  }

  private functionAlarms(): void {
    for (const worker of this.props.workers) {
      // Workers answer a failed record with a partial batch response, so a function error is a crash,
      // a timeout or a failed cold start: every record of the batch comes back, and may keep coming back.
      this.alarm(`${worker.node.id}-errors`, worker.metricErrors({ period: FIVE_MINUTES, statistic: 'Sum' }), {
        alarmDescription: `${worker.node.id} failed whole invocations (crash, timeout or cold start) in 5 minutes (docs/operate.md).`,
        threshold: 0,
        comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
        evaluationPeriods: 1,
      });
    }
    for (const fn of this.props.functions) {
      // Nothing in this stack expects a throttle: the queues bound their workers' concurrency below the account's.
      this.alarm(`${fn.node.id}-throttles`, fn.metricThrottles({ period: FIVE_MINUTES, statistic: 'Sum' }), {
        alarmDescription: `Lambda throttled ${fn.node.id}: the account's or the function's concurrency is exhausted (docs/operate.md).`,
        threshold: 0,
        comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
        evaluationPeriods: 1,
      });
    }
  }

  private apiAlarms(): void {
    // Resolver errors a client can act on (ValidationError, Unauthorized) answer 200 with GraphQL errors;
    // a 5XX is AppSync failing the request itself, which no client caused.
    this.alarm('api-server-errors', appSyncMetric(this.props.api, '5XXError', 'Sum'), {
      alarmDescription: 'AppSync answered requests with 5XX in 5 minutes (docs/operate.md).',
      threshold: 0,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
      evaluationPeriods: 1,
    });
  }

  private decisionTimeAlarms(): void {
    for (const countryISO of countryISOs) {
      this.alarm(
        `decision-time-p99-${countryISO}`,
        pipelineMetric(metricNames.decisionTime, { [metricDimensions.countryISO]: countryISO }, 'p99'),
        {
          alarmDescription: `In ${countryISO}, the p99 of booking-to-decision time has been over ${DECISION_TIME_P99_TARGET_MS} ms for 15 minutes (docs/operate.md).`,
          threshold: DECISION_TIME_P99_TARGET_MS,
          comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
          evaluationPeriods: 3,
        },
      );
    }
  }

  private databaseAlarms(): void {
    const { database } = this.props;
    this.alarm('database-free-storage-low', database.metricFreeStorageSpace({ period: FIVE_MINUTES, statistic: 'Minimum' }), {
      alarmDescription: 'The country database has under 1 GiB free: storage autoscaling has reached its ceiling (docs/operate.md).',
      threshold: FREE_STORAGE_ALARM_BYTES,
      comparisonOperator: cloudwatch.ComparisonOperator.LESS_THAN_THRESHOLD,
      evaluationPeriods: 1,
    });
    // The country workers open at most maxConcurrency × MYSQL_CONNECTIONS_PER_WORKER each; migrations,
    // rotation and reconcile add a handful. Twice the workers' ceiling means something else holds connections.
    const workersCeiling = topology.countryRoutes.reduce((sum, route) => sum + route.maxConcurrency * MYSQL_CONNECTIONS_PER_WORKER, 0);
    this.alarm('database-connections-high', database.metricDatabaseConnections({ period: FIVE_MINUTES, statistic: 'Maximum' }), {
      alarmDescription: `The country database holds more than ${2 * workersCeiling} connections, twice what the workers may open (docs/operate.md).`,
      threshold: 2 * workersCeiling,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
      evaluationPeriods: 2,
    });
  }

  private reconciliationAlarms(): void {
    const period = Duration.minutes(topology.reconciliation.everyMinutes);
    // A finding is only reported once it is older than the pipeline's retries (PIPELINE_RETRY_WINDOW_MS):
    // one run that finds any is already past the window in which the pipeline could still settle it.
    for (const kind of findingKinds) {
      this.alarm(
        `reconciliation-${kind}`,
        pipelineMetric(metricNames.reconciliationFindings, { [metricDimensions.finding]: kind }, 'Maximum').with({ period }),
        {
          alarmDescription: `The reconciliation found ${kind} cases: ${remedyFor[kind]}. Their ${findingCaseKey[kind]}s are in the reconciler's log lines (docs/operate.md).`,
          threshold: 0,
          comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
          evaluationPeriods: 1,
        },
      );
    }
    // Every run counts every kind, zeros included: three periods without a count mean it has stopped running.
    this.alarm(
      'reconciliation-not-running',
      pipelineMetric(metricNames.reconciliationFindings, { [metricDimensions.finding]: 'stuckPending' }, 'SampleCount').with({
        period: Duration.minutes(3 * topology.reconciliation.everyMinutes),
      }),
      {
        alarmDescription:
          'The scheduled reconciliation has reported nothing for three of its periods: it is failing or not invoked (docs/operate.md).',
        threshold: 1,
        comparisonOperator: cloudwatch.ComparisonOperator.LESS_THAN_THRESHOLD,
        evaluationPeriods: 1,
        treatMissingData: cloudwatch.TreatMissingData.BREACHING,
      },
    );
  }

  private apiWidgets(): cloudwatch.IWidget[] {
    const { api } = this.props;
    return [
      new cloudwatch.TextWidget({
        markdown: '# Appointments: health\nAlarms and what to do first: docs/operate.md.',
        width: 24,
        height: 2,
      }),
      graph('API requests', [appSyncMetric(api, 'Latency', 'SampleCount', 'requests')]),
      graph('API 4XX / 5XX', [appSyncMetric(api, '4XXError', 'Sum'), appSyncMetric(api, '5XXError', 'Sum')]),
      graph('API latency p50 / p99 (ms)', [appSyncMetric(api, 'Latency', 'p50'), appSyncMetric(api, 'Latency', 'p99')]),
    ];
  }

  private businessWidgets(): cloudwatch.IWidget[] {
    const perCountry = (name: string, statistic = 'Sum') =>
      countryISOs.map((countryISO) => pipelineMetric(name, { [metricDimensions.countryISO]: countryISO }, statistic, `${countryISO}`));
    return [
      graph('Bookings accepted', perCountry(metricNames.bookingsAccepted)),
      graph('Bookings refused, by errorType', [searchOf(metricNames.bookingsRefused, [metricDimensions.errorType])]),
      graph('Completed / rejected / cancelled', [
        ...perCountry(metricNames.appointmentsCompleted).map((metric) => metric.with({ label: `completed ${metric.label ?? ''}` })),
        searchOf(metricNames.appointmentsRejected, [metricDimensions.countryISO, metricDimensions.reason], 'rejected'),
        ...perCountry(metricNames.appointmentsCancelled).map((metric) => metric.with({ label: `cancelled ${metric.label ?? ''}` })),
      ]),
      graph(
        'Booking to decision p50 / p99 (ms)',
        [...perCountry(metricNames.decisionTime, 'p50'), ...perCountry(metricNames.decisionTime, 'p99')],
        [{ value: DECISION_TIME_P99_TARGET_MS, label: 'p99 alarm' }],
      ),
      graph('Status changes published', perCountry(metricNames.statusChangesPublished)),
      // Skipped emails are only graphed: a person without a verified address is normal, not an incident.
      ...(this.props.sendsEmails
        ? [
            graph('Emails sent and skipped', [
              ...perCountry(metricNames.emailsSent).map((metric) => metric.with({ label: `sent ${metric.label ?? ''}` })),
              searchOf(metricNames.emailsSkipped, [metricDimensions.countryISO, metricDimensions.reason], 'skipped'),
            ]),
          ]
        : []),
      graph(
        'Reconciliation findings',
        findingKinds.map((kind) =>
          pipelineMetric(metricNames.reconciliationFindings, { [metricDimensions.finding]: kind }, 'Maximum', kind),
        ),
      ),
    ];
  }

  private queueWidgets(): cloudwatch.IWidget[] {
    const { queues } = this.props;
    return [
      graph(
        'Queue depth',
        queues.map(({ settings, queue }) =>
          queue.metricApproximateNumberOfMessagesVisible({ label: settings.queueName, statistic: 'Maximum' }),
        ),
      ),
      graph(
        'Oldest message (s)',
        queues.map(({ settings, queue }) => queue.metricApproximateAgeOfOldestMessage({ label: settings.queueName, statistic: 'Maximum' })),
      ),
      graph(
        'Dead-letter queues',
        queues.map(({ settings, deadLetterQueue }) =>
          deadLetterQueue.metricApproximateNumberOfMessagesVisible({ label: settings.deadLetterQueueName, statistic: 'Maximum' }),
        ),
      ),
    ];
  }

  private functionWidgets(): cloudwatch.IWidget[] {
    const { functions } = this.props;
    return [
      graph(
        'Function errors',
        functions.map((fn) => fn.metricErrors({ label: fn.node.id, statistic: 'Sum' })),
      ),
      graph(
        'Function throttles',
        functions.map((fn) => fn.metricThrottles({ label: fn.node.id, statistic: 'Sum' })),
      ),
      graph(
        'Function duration p99 (ms)',
        functions.map((fn) => fn.metricDuration({ label: fn.node.id, statistic: 'p99' })),
      ),
    ];
  }

  private databaseWidgets(): cloudwatch.IWidget[] {
    const { database } = this.props;
    return [
      graph('Database CPU (%)', [database.metricCPUUtilization()]),
      graph('Database connections', [database.metricDatabaseConnections({ statistic: 'Maximum' })]),
      graph(
        'Database free storage (bytes)',
        [database.metricFreeStorageSpace({ statistic: 'Minimum' })],
        [{ value: FREE_STORAGE_ALARM_BYTES, label: 'alarm' }],
      ),
    ];
  }
}

/** AppSync's own metrics of the API (CloudWatch namespace AWS/AppSync, by GraphQLAPIId). */
function appSyncMetric(
  api: appsync.GraphqlApi,
  metricName: '4XXError' | '5XXError' | 'Latency',
  statistic: string,
  label?: string,
): cloudwatch.Metric {
  return new cloudwatch.Metric({
    namespace: 'AWS/AppSync',
    metricName,
    dimensionsMap: { GraphQLAPIId: api.apiId },
    statistic,
    period: FIVE_MINUTES,
    label,
  });
}

/** One of the pipeline's own metrics, with the dimensions the functions give it. */
function pipelineMetric(metricName: string, dimensions: Record<string, string>, statistic: string, label?: string): cloudwatch.Metric {
  return new cloudwatch.Metric({
    namespace: metricsNamespace,
    metricName,
    dimensionsMap: { service: metricsServiceName, ...dimensions },
    statistic,
    period: FIVE_MINUTES,
    label,
  });
}

/** Every series of a metric whose dimension values are not known in advance (errorType, reason). */
function searchOf(metricName: string, dimensions: readonly string[], label?: string): cloudwatch.MathExpression {
  return new cloudwatch.MathExpression({
    expression: `SEARCH('{${metricsNamespace},service,${dimensions.join(',')}} MetricName="${metricName}"', 'Sum', 300)`,
    usingMetrics: {},
    label,
    period: FIVE_MINUTES,
  });
}

function graph(title: string, metrics: cloudwatch.IMetric[], leftAnnotations?: cloudwatch.HorizontalAnnotation[]): cloudwatch.GraphWidget {
  return new cloudwatch.GraphWidget({ title, left: metrics, width: 8, height: 6, leftAnnotations });
}
