import { CfnOutput, Duration, Stack, type StackProps } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as cloudwatchActions from 'aws-cdk-lib/aws-cloudwatch-actions';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as sns from 'aws-cdk-lib/aws-sns';
import type { Construct } from 'constructs';
import { appointmentsTable } from '../core/appointments-table';
import { AppointmentRouting } from './appointment-routing';
import { AppointmentWorkers } from './appointment-workers';
import { AppointmentsApi } from './appointments-api';
import { CountryDatabase } from './country-database';
import type { DeploymentSettings } from './deployment-settings';

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

    const routing = new AppointmentRouting(this, 'Routing');
    const database = new CountryDatabase(this, 'CountryDatabase', settings);
    const api = new AppointmentsApi(this, 'GraphQL', {
      appointments,
      appointmentRequests: routing.appointmentRequests,
      development: settings.development,
    });
    new AppointmentWorkers(this, 'Workers', { routing, appointments, database, api: api.api });

    const alarmTopic = settings.alarmTopicArn ? sns.Topic.fromTopicArn(this, 'AlarmTopic', settings.alarmTopicArn) : undefined;
    for (const { name, queue } of routing.deadLetterQueues) {
      const alarm = queue
        .metricApproximateNumberOfMessagesVisible({ period: Duration.minutes(1), statistic: cloudwatch.Stats.MAXIMUM })
        .createAlarm(this, `${name}-holds-messages`, {
          alarmDescription: `Messages are waiting in ${name}: find the cause in the worker's logs, then redrive them (README, Deploy).`,
          threshold: 0,
          comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
          evaluationPeriods: 1,
          treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
        });
      if (alarmTopic) alarm.addAlarmAction(new cloudwatchActions.SnsAction(alarmTopic));
      new CfnOutput(this, `${name}-arn`, {
        value: queue.queueArn,
        description: `Dead-letter queue ${name}: redrive with aws sqs start-message-move-task --source-arn <this ARN>`,
      });
    }

    new CfnOutput(this, 'GraphQLUrl', { value: api.api.graphqlUrl, description: 'The AppSync GraphQL endpoint' });
    if (api.apiKeyId) {
      new CfnOutput(this, 'ApiKeyId', {
        value: api.apiKeyId,
        description: 'The development API key (its value: AppSync console > Settings, or aws appsync list-api-keys)',
      });
    }
    new CfnOutput(this, 'GraphQLApiId', { value: api.api.apiId });
    new CfnOutput(this, 'Region', { value: this.region });
    new CfnOutput(this, 'UserPoolId', { value: api.userPool.userPoolId });
    new CfnOutput(this, 'UserPoolClientId', { value: api.userPoolClient.userPoolClientId });
    new CfnOutput(this, 'StaffGroupName', {
      value: api.staffGroup.groupName,
      description: 'Cognito group of call-centre staff: aws cognito-idp admin-add-user-to-group --group-name <this>',
    });
  }
}
