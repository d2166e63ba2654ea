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
import type { Appointment, MutationrescheduleAppointmentArgs } from '../core/graphql/types.generated';
import { createLogger, withLambdaContext } from '../core/observability/logger';
import { rescheduleAppointment } from '../core/use-cases/reschedule-appointment';

const logger = createLogger('rescheduleAppointment');
const dynamodb = new DynamoDBClient({});
const appointments = new DynamoDbAppointmentRepository(dynamodb, requiredEnv(environment.appointmentsTableName));
const slots = new DynamoDbSlotReadModel(dynamodb, requiredEnv(environment.slotsTableName));
const requests = new SnsCountryMessages(new SNSClient({}), requiredEnv(environment.appointmentRequestsTopicArn));

/** The Lambda function of Mutation.rescheduleAppointment: its answer, or the error it answers with (core/adapters/appsync-field-answer.ts). */
export const handler: AppSyncResolverHandler<MutationrescheduleAppointmentArgs, FieldAnswer<Appointment>> = withLambdaContext(
  logger,
  (event, context) =>
    fieldAnswer(() =>
      rescheduleAppointment(event.arguments, callerFrom(event.identity), correlationIdOf(event, context), {
        appointments,
        requests,
        slots,
        logger,
      }),
    ),
);
