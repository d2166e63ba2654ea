import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { AppSyncResolverHandler } from 'aws-lambda';
import { fieldAnswer, type FieldAnswer } from '../core/adapters/appsync-field-answer';
import { DynamoDbSlotReadModel } from '../core/adapters/dynamodb-slot-read-model';
import { environment, requiredEnv } from '../core/config/environment';
import type { Catalog, QuerycatalogArgs } from '../core/graphql/types.generated';
import { countryCatalog } from '../core/use-cases/browse-available-slots';

const slots = new DynamoDbSlotReadModel(new DynamoDBClient({}), requiredEnv(environment.slotsTableName));

/** The Lambda function of Query.catalog: any client mode may read it. */
export const handler: AppSyncResolverHandler<QuerycatalogArgs, FieldAnswer<Catalog>> = (event) =>
  fieldAnswer(() => countryCatalog(event.arguments, { slots }));
