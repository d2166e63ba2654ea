import { Arn, Duration, Stack, Validations } from 'aws-cdk-lib';
import type * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import type * as events from 'aws-cdk-lib/aws-events';
import * as iam from 'aws-cdk-lib/aws-iam';
import { SqsDestination } from 'aws-cdk-lib/aws-lambda-destinations';
import type { NodejsFunction } from 'aws-cdk-lib/aws-lambda-nodejs';
import * as scheduler from 'aws-cdk-lib/aws-scheduler';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { environment } from '../core/config/environment';
import { topology } from '../core/config/topology';
import { appointmentsFunction } from './appointments-function';
import { deployedFunctions } from './bundling';

export interface AppointmentRemindersProps {
  readonly appointments: dynamodb.ITable;
  readonly eventBus: events.IEventBus;
  /** Keeps each appointment's schedule in step with what it became (core/use-cases/apply-country-outcome.ts). */
  readonly completionWorker: NodejsFunction;
  /** `-c reminderLeadMinutes=N`: how long before its start an appointment is reminded of. */
  readonly leadMinutes: number;
}

/**
 * The reminders (core/config/topology.ts, reminders): a Scheduler group for the one-time schedules, the reminder
 * worker they invoke, the role Scheduler assumes to invoke it (that function and the dead-letter queue, nothing
 * else), and the completion worker's rights to create, update and delete schedules of that group only.
 */
export class AppointmentReminders extends Construct {
  readonly reminderWorker: NodejsFunction;
  readonly deadLetterQueue: sqs.Queue;

  constructor(scope: Construct, id: string, props: AppointmentRemindersProps) {
    super(scope, id);
    const { appointments, eventBus, completionWorker, leadMinutes } = props;
    const { reminders } = topology;

    const group = new scheduler.ScheduleGroup(this, 'Group', { scheduleGroupName: reminders.scheduleGroupName });
    this.deadLetterQueue = new sqs.Queue(this, reminders.deadLetterQueueName, {
      encryption: sqs.QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      retentionPeriod: Duration.days(14),
    });
    Validations.of(this.deadLetterQueue).acknowledge({
      id: 'AwsSolutions-SQS3',
      reason:
        "It is a dead-letter queue: Scheduler's DeadLetterConfig of every reminder schedule (set per schedule at run time, which cdk-nag cannot see) and the reminder worker's on-failure destination.",
    });

    this.reminderWorker = appointmentsFunction(this, deployedFunctions.reminderWorker, {
      description: 'When a reminder is due, reads the appointment again and, if it still starts then, announces the reminder for its email',
      timeout: Duration.seconds(reminders.timeoutSeconds),
      environment: { [environment.appointmentsTableName]: appointments.tableName, [environment.eventBusName]: eventBus.eventBusName },
      // Scheduler invokes it asynchronously: its own failures are Lambda's to retry, then recorded in the same DLQ.
      asyncInvocation: { retryAttempts: reminders.asyncRetryAttempts, onFailure: new SqsDestination(this.deadLetterQueue) },
    });
    // One consistent read of the appointment, and AppointmentReminderDue on this bus: nothing else.
    appointments.grant(this.reminderWorker, 'dynamodb:GetItem');
    eventBus.grantPutEventsTo(this.reminderWorker);

    const invoker = new iam.Role(this, 'ScheduleRole', {
      assumedBy: new iam.ServicePrincipal('scheduler.amazonaws.com', {
        conditions: { StringEquals: { 'aws:SourceAccount': Stack.of(this).account } },
      }),
      description: 'EventBridge Scheduler invokes the reminder worker, and dead-letters a reminder it cannot deliver',
    });
    invoker.addToPrincipalPolicy(
      new iam.PolicyStatement({ actions: ['lambda:InvokeFunction'], resources: [this.reminderWorker.functionArn] }),
    );
    this.deadLetterQueue.grantSendMessages(invoker);

    completionWorker.addEnvironment(environment.reminderScheduleGroup, group.scheduleGroupName);
    completionWorker.addEnvironment(environment.reminderTargetArn, this.reminderWorker.functionArn);
    completionWorker.addEnvironment(environment.reminderRoleArn, invoker.roleArn);
    completionWorker.addEnvironment(environment.reminderDeadLetterArn, this.deadLetterQueue.queueArn);
    completionWorker.addEnvironment(environment.reminderLeadMinutes, String(leadMinutes));
    completionWorker.addToRolePolicy(
      new iam.PolicyStatement({
        actions: ['scheduler:CreateSchedule', 'scheduler:UpdateSchedule', 'scheduler:DeleteSchedule'],
        // The reminders' schedules in their group, and no other schedule.
        resources: [
          Arn.format(
            { service: 'scheduler', resource: 'schedule', resourceName: `${group.scheduleGroupName}/${reminders.schedulePrefix}*` },
            Stack.of(this),
          ),
        ],
      }),
    );
    if (completionWorker.role) {
      Validations.of(completionWorker.role).acknowledge({
        id: `AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:scheduler:<AWS::Region>:<AWS::AccountId>:schedule/${reminders.scheduleGroupName}/${reminders.schedulePrefix}*]`,
        reason:
          "One schedule per appointment, named from its id at run time: the wildcard is the reminders' name prefix within their own group, no other schedule.",
      });
    }
    // Creating a schedule hands Scheduler the invoker role: that role only, to that service only.
    completionWorker.addToRolePolicy(
      new iam.PolicyStatement({
        actions: ['iam:PassRole'],
        resources: [invoker.roleArn],
        conditions: { StringEquals: { 'iam:PassedToService': 'scheduler.amazonaws.com' } },
      }),
    );
  }
}
