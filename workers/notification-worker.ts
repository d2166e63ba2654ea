import { CognitoIdentityProviderClient } from '@aws-sdk/client-cognito-identity-provider';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { SESv2Client } from '@aws-sdk/client-sesv2';
import type { Context, SQSBatchResponse, SQSEvent } from 'aws-lambda';
import { CognitoAddressBook } from '../core/adapters/cognito-address-book';
import { idempotentStep } from '../core/adapters/idempotent-step';
import { PowertoolsPipelineMetrics } from '../core/adapters/powertools-pipeline-metrics';
import { SesEmailSender } from '../core/adapters/ses-email-sender';
import { sqsMessageHandler } from '../core/adapters/sqs-batch';
import { environment, requiredEnv } from '../core/config/environment';
import { createLogger, withLambdaContext } from '../core/observability/logger';
import { insuredEmailEventSchema, type InsuredEmailEvent } from '../core/messages/status-change-event';
import { topology } from '../core/config/topology';
import { emailStatusChange } from '../core/use-cases/email-status-change';

const logger = createLogger('notificationWorker');
const ports = {
  addressBook: new CognitoAddressBook(new CognitoIdentityProviderClient({}), requiredEnv(environment.userPoolId)),
  mailer: new SesEmailSender(new SESv2Client({}), requiredEnv(environment.senderEmail)),
  logger,
  metrics: new PowertoolsPipelineMetrics(),
};

// One email per appointment and status, per move decided, and per reminder, however often each is delivered (a
// move keeps the status, so its id tells its email apart; a reminder has no status, and names the start it
// reminds of). A crash between SES accepting an email and the record of it may send that one email twice.
const emailOnce = idempotentStep((change: InsuredEmailEvent) => emailStatusChange(change, ports), {
  tableName: requiredEnv(environment.idempotencyTableName),
  dynamodb: new DynamoDBClient({}),
  keyJmesPath: '[appointmentId, status, reschedule.moveId, remindsOf]',
  expiresAfterSeconds: topology.emailNotifications.idempotencyDays * 24 * 60 * 60,
  logger,
});

const handleEmailRecords = sqsMessageHandler(insuredEmailEventSchema, emailOnce.run, logger);

/** SQS consumer of the email queue: each body is an EventBridge AppointmentStatusChanged or AppointmentReminderDue event. */
export const handler = withLambdaContext(logger, (event: SQSEvent, context: Context): Promise<SQSBatchResponse> => {
  emailOnce.registerLambdaContext(context);
  return handleEmailRecords(event, context);
});
