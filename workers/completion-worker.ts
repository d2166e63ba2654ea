import { Sha256 } from '@aws-crypto/sha256-js';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { SignatureV4 } from '@smithy/signature-v4';
import { AppSyncSubscribers } from '../core/adapters/appsync-status-changes';
import { DynamoDbAppointmentRepository } from '../core/adapters/dynamodb-appointment-repository';
import { EventBridgeStatusChangeBus, EventBusEntries } from '../core/adapters/eventbridge-bus';
import { sqsMessageHandler } from '../core/adapters/sqs-batch';
import { environment, requiredEnv } from '../core/config/environment';
import { createLogger, withLambdaContext } from '../core/observability/logger';
import { PowertoolsPipelineMetrics } from '../core/adapters/powertools-pipeline-metrics';
import { countryOutcomeEventSchema } from '../core/messages/country-outcome-event';
import { applyCountryOutcome } from '../core/use-cases/apply-country-outcome';
import { SchedulerClient } from '@aws-sdk/client-scheduler';
import { noReminders, SchedulerAppointmentReminders } from '../core/adapters/scheduler-appointment-reminders';
import { topology } from '../core/config/topology';
import { reminderLeadMinutes as reminderLeadMinutesOf } from '../core/domain/reminders';

const logger = createLogger('completionWorker');
const metrics = new PowertoolsPipelineMetrics();
const dynamodb = new DynamoDBClient({});
const appointments = new DynamoDbAppointmentRepository(dynamodb, requiredEnv(environment.appointmentsTableName));
// Signed with the function's own credentials, as the SDK clients resolve them.
const subscribers = new AppSyncSubscribers(
  requiredEnv(environment.graphqlUrl),
  new SignatureV4({ credentials: dynamodb.config.credentials, region: process.env.AWS_REGION ?? '', service: 'appsync', sha256: Sha256 }),
);
const eventBus = new EventBridgeStatusChangeBus(new EventBusEntries(new EventBridgeClient({}), requiredEnv(environment.eventBusName)));
// Deployed with the email route only (reminders are emails): without a schedule group, none is made.
const reminderGroup = process.env[environment.reminderScheduleGroup];
const reminders = reminderGroup
  ? new SchedulerAppointmentReminders(new SchedulerClient({}), {
      groupName: reminderGroup,
      namePrefix: topology.reminders.schedulePrefix,
      targetArn: requiredEnv(environment.reminderTargetArn),
      roleArn: requiredEnv(environment.reminderRoleArn),
      deadLetterArn: requiredEnv(environment.reminderDeadLetterArn),
      retryAttempts: topology.reminders.retryAttempts,
    })
  : noReminders;
const reminderLeadMinutes = reminderLeadMinutesOf(process.env[environment.reminderLeadMinutes], topology.reminders.leadMinutes);

/** SQS consumer of the confirmation queue: each body is an EventBridge event with a country's decision. */
export const handler = withLambdaContext(
  logger,
  sqsMessageHandler(
    countryOutcomeEventSchema,
    (outcome) => applyCountryOutcome(outcome, { appointments, subscribers, eventBus, logger, metrics, reminders, reminderLeadMinutes }),
    logger,
  ),
);
