import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { AppSyncResolverHandler } from 'aws-lambda';
import { fieldAnswer, type FieldAnswer } from '../core/adapters/appsync-field-answer';
import { DynamoDbSlotReadModel } from '../core/adapters/dynamodb-slot-read-model';
import { environment, requiredEnv } from '../core/config/environment';
import type { QueryavailableSlotsArgs, SlotConnection } from '../core/graphql/types.generated';
import { browseAvailableSlots } from '../core/use-cases/browse-available-slots';

const slots = new DynamoDbSlotReadModel(new DynamoDBClient({}), requiredEnv(environment.slotsTableName));

/** The Lambda function of Query.availableSlots: any client mode may browse, so the caller is not asked. */
export const handler: AppSyncResolverHandler<QueryavailableSlotsArgs, FieldAnswer<SlotConnection>> = (event) =>
  fieldAnswer(() => browseAvailableSlots(event.arguments, { slots }));
