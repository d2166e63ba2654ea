import { SNSClient } from '@aws-sdk/client-sns';
import type { AppSyncResolverHandler } from 'aws-lambda';
import { fieldAnswer, type FieldAnswer } from '../core/adapters/appsync-field-answer';
import { SnsCountryMessages } from '../core/adapters/sns-country-messages';
import { environment, requiredEnv } from '../core/config/environment';
import { callerFrom } from '../core/domain/caller';
import type { MutationpublishSlotsArgs, SlotPublication } from '../core/graphql/types.generated';
import { correlationIdOf } from '../core/observability/correlation';
import { createLogger, withLambdaContext } from '../core/observability/logger';
import { publishSlots } from '../core/use-cases/publish-slots';

const logger = createLogger('publishSlots');
const requests = new SnsCountryMessages(new SNSClient({}), requiredEnv(environment.appointmentRequestsTopicArn));

/** The Lambda function of Mutation.publishSlots: staff hand a doctor's sessions to the country. */
export const handler: AppSyncResolverHandler<MutationpublishSlotsArgs, FieldAnswer<SlotPublication>> = withLambdaContext(
  logger,
  (event, context) =>
    fieldAnswer(() =>
      publishSlots(event.arguments.input, callerFrom(event.identity), correlationIdOf(event, context), { requests, logger }),
    ),
);
