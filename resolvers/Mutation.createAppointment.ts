import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { SNSClient } from '@aws-sdk/client-sns';
import type { AppSyncResolverHandler } from 'aws-lambda';
import { DynamoDbAppointmentRepository } from '../core/adapters/dynamodb-appointment-repository';
import { DynamoDbSlotReadModel } from '../core/adapters/dynamodb-slot-read-model';
import { SnsCountryMessages } from '../core/adapters/sns-country-messages';
import { callerFrom } from '../core/domain/caller';
import { fieldAnswer, type FieldAnswer } from '../core/adapters/appsync-field-answer';
import { correlationIdOf } from '../core/observability/correlation';
import { environment, requiredEnv } from '../core/config/environment';
import type { Appointment, MutationcreateAppointmentArgs } from '../core/graphql/types.generated';
import { createLogger, withLambdaContext } from '../core/observability/logger';
import { PowertoolsPipelineMetrics } from '../core/adapters/powertools-pipeline-metrics';
import { createAppointment } from '../core/use-cases/create-appointment';

const logger = createLogger('createAppointment');
const metrics = new PowertoolsPipelineMetrics();
const dynamodb = new DynamoDBClient({});
const appointments = new DynamoDbAppointmentRepository(dynamodb, requiredEnv(environment.appointmentsTableName));
const slots = new DynamoDbSlotReadModel(dynamodb, requiredEnv(environment.slotsTableName));
// cacheMiddleware: the client resolves Publish's middleware once, not on every booking (the SDK's own
// option; lib-dynamodb's document client refuses it, so the DynamoDB client goes without).
const requests = new SnsCountryMessages(new SNSClient({ cacheMiddleware: true }), requiredEnv(environment.appointmentRequestsTopicArn));

/** The Lambda function of Mutation.createAppointment: its answer, or the error it answers with (core/adapters/appsync-field-answer.ts). */
export const handler: AppSyncResolverHandler<MutationcreateAppointmentArgs, FieldAnswer<Appointment>> = withLambdaContext(
  logger,
  (event, context) =>
    fieldAnswer(() =>
      createAppointment(event.arguments.input, callerFrom(event.identity), correlationIdOf(event, context), {
        appointments,
        requests,
        slots,
        logger,
        metrics,
      }),
    ),
);
