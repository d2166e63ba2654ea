import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { EventBridgeSchema } from '@aws-lambda-powertools/parser/schemas';
import { DynamoDbAppointmentRepository } from '../core/adapters/dynamodb-appointment-repository';
import { sqsMessageHandler } from '../core/adapters/sqs-batch';
import { environment, requiredEnv } from '../core/environment';
import { createLogger } from '../core/logger';
import { appointmentScheduledSchema } from '../core/messages';
import { completeAppointment } from '../core/use-cases/complete-appointment';

const logger = createLogger('completionWorker');
const appointments = new DynamoDbAppointmentRepository(new DynamoDBClient({}), requiredEnv(environment.appointmentsTableName));

/** SQS consumer of the confirmation queue: each body is an EventBridge AppointmentScheduled event. */
export const handler = sqsMessageHandler(
  EventBridgeSchema.extend({ detail: appointmentScheduledSchema }).transform((event) => event.detail),
  (scheduled) => completeAppointment(scheduled, { appointments, logger }),
  logger,
);
