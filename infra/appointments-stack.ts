import { Annotations, CfnOutput, Stack, type StackProps } from 'aws-cdk-lib';
import type * as appsync from 'aws-cdk-lib/aws-appsync';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import { NodejsFunction } from 'aws-cdk-lib/aws-lambda-nodejs';
import * as sns from 'aws-cdk-lib/aws-sns';
import type { Construct } from 'constructs';
import { appointmentsTable } from '../core/config/appointments-table';
import { AppointmentRouting } from './appointment-routing';
import { AppointmentWorkers } from './appointment-workers';
import { AppointmentsApi } from './appointments-api';
import { CountryDatabase } from './country-database';
import { InsuredEmails } from './insured-emails';
import { Operations } from './operations';
import { ScheduledReconciliation } from './scheduled-reconciliation';
import { AppointmentReminders } from './appointment-reminders';
import { topology } from '../core/config/topology';
import { SlotReadModelTable } from './slot-read-model';
import type { DeploymentSettings } from './deployment-settings';
import { stackOutputs } from './stack-outputs';

export interface AppointmentsStackProps extends StackProps {
  readonly settings: DeploymentSettings;
}

/** Medical appointments for Peru and Chile: the GraphQL API, the booking pipeline and its stores. */
export class AppointmentsStack extends Stack {
  constructor(scope: Construct, id: string, props: AppointmentsStackProps) {
    super(scope, id, props);
    const { settings } = props;

    const appointments = new dynamodb.Table(this, 'Appointments', {
      partitionKey: { name: appointmentsTable.partitionKey, type: dynamodb.AttributeType.STRING },
      sortKey: { name: appointmentsTable.sortKey, type: dynamodb.AttributeType.STRING },
      billingMode: dynamodb.BillingMode.PAY_PER_REQUEST,
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      deletionProtection: settings.deletionProtection,
    });

    // The slots and catalog the API reads, which the slot projector keeps current from the countries' events.
    const slots = new SlotReadModelTable(this, 'SlotReadModel', { deletionProtection: settings.deletionProtection }).table;

    const routing = new AppointmentRouting(this, 'Routing');
    const database = new CountryDatabase(this, 'CountryDatabase', settings);
    const api = new AppointmentsApi(this, 'GraphQL', {
      appointments,
      slots,
      appointmentRequests: routing.appointmentRequests,
      development: settings.development,
    });
    const workers = new AppointmentWorkers(this, 'Workers', { routing, appointments, slots, database, api: api.api });
    const reconciliation = new ScheduledReconciliation(this, 'Reconciliation', { appointments, slots, database });
    const emails = settings.senderEmail
      ? new InsuredEmails(this, 'Emails', {
          senderEmail: settings.senderEmail,
          queue: routing.addEmailNotifications(),
          userPool: api.users.userPool,
          deletionProtection: settings.deletionProtection,
        })
      : undefined;
    // Reminders are emails: with no sender, no schedule is made (the completion worker finds no group to make them in).
    const reminders = emails
      ? new AppointmentReminders(this, 'Reminders', {
          appointments,
          eventBus: routing.eventBus,
          completionWorker: workers.completionWorker,
          leadMinutes: settings.reminderLeadMinutes,
        })
      : undefined;
    if (!emails) {
      Annotations.of(this).addWarningV2(
        'appointments:emailsOff',
        'No senderEmail given: insured people get no email about their appointments. To send them, deploy with -c senderEmail=<address> (docs/deploy.md, Emails to insured people).',
      );
    }

    const alarmTopic = settings.alarmTopicArn ? sns.Topic.fromTopicArn(this, 'AlarmTopic', settings.alarmTopicArn) : undefined;
    new Operations(this, 'Operations', {
      api: api.api,
      queues: routing.workerQueues,
      deadLetterQueues: reminders ? [{ name: topology.reminders.deadLetterQueueName, queue: reminders.deadLetterQueue }] : [],
      workers: [
        ...workers.countryWorkers,
        workers.completionWorker,
        workers.slotProjector,
        reconciliation.reconciler,
        ...(reminders ? [reminders.reminderWorker] : []),
        ...(emails ? [emails.notificationWorker] : []),
      ],
      sendsEmails: emails !== undefined,
      functions: this.node.findAll().filter((construct): construct is NodejsFunction => construct instanceof NodejsFunction),
      database: database.instance,
      alarmTopic,
    });
    for (const { name, queue } of routing.deadLetterQueues) {
      new CfnOutput(this, `${name}-arn`, {
        value: queue.queueArn,
        description: `Dead-letter queue ${name}: redrive with aws sqs start-message-move-task --source-arn <this ARN>`,
      });
    }

    new CfnOutput(this, stackOutputs.graphqlUrl, { value: api.api.graphqlUrl, description: 'The AppSync GraphQL endpoint' });
    new CfnOutput(this, stackOutputs.realtimeUrl, {
      value: (api.api.node.defaultChild as appsync.CfnGraphQLApi).attrRealtimeUrl,
      description: 'The AppSync realtime (subscriptions) websocket endpoint',
    });
    if (api.apiKeyId) {
      new CfnOutput(this, 'ApiKeyId', {
        value: api.apiKeyId,
        description: 'The development API key (its value: AppSync console > Settings, or aws appsync list-api-keys)',
      });
    }
    new CfnOutput(this, 'GraphQLApiId', { value: api.api.apiId });
    new CfnOutput(this, stackOutputs.region, { value: this.region });
    new CfnOutput(this, stackOutputs.userPoolId, { value: api.users.userPool.userPoolId });
    new CfnOutput(this, 'UserPoolClientId', { value: api.users.userPoolClient.userPoolClientId });
    new CfnOutput(this, stackOutputs.smokeCheckClientId, {
      value: api.users.smokeCheckClient.userPoolClientId,
      description: 'App client of npm run smoke: admin sign-in (ADMIN_USER_PASSWORD_AUTH) of its throwaway users only',
    });
    new CfnOutput(this, stackOutputs.staffGroupName, {
      value: api.users.staffGroup.groupName,
      description: 'Cognito group of call-centre staff: aws cognito-idp admin-add-user-to-group --group-name <this>',
    });
  }
}
