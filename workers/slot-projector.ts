import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDbSlotReadModel } from '../core/adapters/dynamodb-slot-read-model';
import { sqsMessageHandler } from '../core/adapters/sqs-batch';
import { environment, requiredEnv } from '../core/config/environment';
import { slotAvailabilityEventSchema } from '../core/messages/slot-messages';
import { createLogger, withLambdaContext } from '../core/observability/logger';
import { projectSlotAvailability } from '../core/use-cases/project-slot-availability';

const logger = createLogger('slotProjector');
const slots = new DynamoDbSlotReadModel(new DynamoDBClient({}), requiredEnv(environment.slotsTableName));

/** SQS consumer of the availability queue: each body is an EventBridge event with a slot's state in its country. */
export const handler = withLambdaContext(
  logger,
  sqsMessageHandler(slotAvailabilityEventSchema, (change) => projectSlotAvailability(change, { slots, logger }), logger),
);
