import { Sha256 } from '@aws-crypto/sha256-js';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { EventBridgeSchema } from '@aws-lambda-powertools/parser/schemas';
import { SignatureV4 } from '@smithy/signature-v4';
import { AppSyncStatusChanges } from '../core/adapters/appsync-status-changes';
import { DynamoDbAppointmentRepository } from '../core/adapters/dynamodb-appointment-repository';
import { sqsMessageHandler } from '../core/adapters/sqs-batch';
import { environment, requiredEnv } from '../core/environment';
import { createLogger } from '../core/logger';
import { appointmentScheduledSchema } from '../core/messages';
import { completeAppointment } from '../core/use-cases/complete-appointment';

const logger = createLogger('completionWorker');
const dynamodb = new DynamoDBClient({});
const appointments = new DynamoDbAppointmentRepository(dynamodb, requiredEnv(environment.appointmentsTableName));
// Signed with the function's own credentials, as the SDK clients resolve them.
const statusChanges = new AppSyncStatusChanges(
  requiredEnv(environment.graphqlUrl),
  new SignatureV4({ credentials: dynamodb.config.credentials, region: process.env.AWS_REGION ?? '', service: 'appsync', sha256: Sha256 }),
);

/** SQS consumer of the confirmation queue: each body is an EventBridge AppointmentScheduled event. */
export const handler = sqsMessageHandler(
  EventBridgeSchema.extend({ detail: appointmentScheduledSchema }).transform((event) => event.detail),
  (scheduled) => completeAppointment(scheduled, { appointments, statusChanges, logger }),
  logger,
);
