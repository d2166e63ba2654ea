import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { SNSClient } from '@aws-sdk/client-sns';
import type { AppSyncResolverHandler } from 'aws-lambda';
import { DynamoDbAppointmentRepository } from '../core/adapters/dynamodb-appointment-repository';
import { SnsCountryMessages } from '../core/adapters/sns-country-messages';
import { callerFrom } from '../core/domain/caller';
import { fieldAnswer, type FieldAnswer } from '../core/adapters/appsync-field-answer';
import { correlationIdOf } from '../core/observability/correlation';
import { environment, requiredEnv } from '../core/config/environment';
import type { Appointment, MutationcancelAppointmentArgs } from '../core/graphql/types.generated';
import { createLogger, withLambdaContext } from '../core/observability/logger';
import { PowertoolsPipelineMetrics } from '../core/adapters/powertools-pipeline-metrics';
import { cancelAppointment } from '../core/use-cases/cancel-appointment';

const logger = createLogger('cancelAppointment');
const metrics = new PowertoolsPipelineMetrics();
const appointments = new DynamoDbAppointmentRepository(new DynamoDBClient({}), requiredEnv(environment.appointmentsTableName));
const requests = new SnsCountryMessages(new SNSClient({}), requiredEnv(environment.appointmentRequestsTopicArn));

/** The Lambda function of Mutation.cancelAppointment: its answer, or the error it answers with (core/adapters/appsync-field-answer.ts). */
export const handler: AppSyncResolverHandler<MutationcancelAppointmentArgs, FieldAnswer<Appointment>> = withLambdaContext(
  logger,
  (event, context) =>
    fieldAnswer(() =>
      cancelAppointment(event.arguments, callerFrom(event.identity), correlationIdOf(event, context), {
        appointments,
        requests,
        logger,
        metrics,
      }),
    ),
);
