import { Sha256 } from '@aws-crypto/sha256-js';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { SignatureV4 } from '@smithy/signature-v4';
import { AppSyncSlotAvailabilitySubscribers } from '../core/adapters/appsync-slot-availability';
import { DynamoDbSlotReadModel } from '../core/adapters/dynamodb-slot-read-model';
import { sqsMessageHandler } from '../core/adapters/sqs-batch';
import { environment, requiredEnv } from '../core/config/environment';
import { slotAvailabilityEventSchema } from '../core/messages/slot-messages';
import { createLogger, withLambdaContext } from '../core/observability/logger';
import { projectSlotAvailability } from '../core/use-cases/project-slot-availability';

const logger = createLogger('slotProjector');
const dynamodb = new DynamoDBClient({});
const slots = new DynamoDbSlotReadModel(dynamodb, requiredEnv(environment.slotsTableName));
// Signed with the function's own credentials, as the SDK clients resolve them.
const subscribers = new AppSyncSlotAvailabilitySubscribers(
  requiredEnv(environment.graphqlUrl),
  new SignatureV4({ credentials: dynamodb.config.credentials, region: process.env.AWS_REGION ?? '', service: 'appsync', sha256: Sha256 }),
);

/** SQS consumer of the availability queue: each body is an EventBridge event with a slot's state in its country. */
export const handler = withLambdaContext(
  logger,
  sqsMessageHandler(slotAvailabilityEventSchema, (change) => projectSlotAvailability(change, { slots, subscribers, logger }), logger),
);
