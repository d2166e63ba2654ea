import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { SNSClient } from '@aws-sdk/client-sns';
import type { AppSyncResolverHandler } from 'aws-lambda';
import { fieldAnswer, type FieldAnswer } from '../core/adapters/appsync-field-answer';
import { DynamoDbSlotReadModel } from '../core/adapters/dynamodb-slot-read-model';
import { SnsCountryMessages } from '../core/adapters/sns-country-messages';
import { environment, requiredEnv } from '../core/config/environment';
import { callerFrom } from '../core/domain/caller';
import type { MutationwithdrawSlotArgs, Slot } from '../core/graphql/types.generated';
import { correlationIdOf } from '../core/observability/correlation';
import { createLogger, withLambdaContext } from '../core/observability/logger';
import { withdrawSlot } from '../core/use-cases/withdraw-slot';

const logger = createLogger('withdrawSlot');
const slots = new DynamoDbSlotReadModel(new DynamoDBClient({}), requiredEnv(environment.slotsTableName));
const requests = new SnsCountryMessages(new SNSClient({}), requiredEnv(environment.appointmentRequestsTopicArn));

/** The Lambda function of Mutation.withdrawSlot: staff take a free slot out of the catalog. */
export const handler: AppSyncResolverHandler<MutationwithdrawSlotArgs, FieldAnswer<Slot>> = withLambdaContext(logger, (event, context) =>
  fieldAnswer(() =>
    withdrawSlot(event.arguments, callerFrom(event.identity), correlationIdOf(event, context), { slots, requests, logger }),
  ),
);
