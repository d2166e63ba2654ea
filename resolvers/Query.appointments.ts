import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { AppSyncResolverHandler } from 'aws-lambda';
import { callerFrom } from '../core/domain/caller';
import { fieldAnswer, type FieldAnswer } from '../core/adapters/appsync-field-answer';
import { DynamoDbAppointmentRepository } from '../core/adapters/dynamodb-appointment-repository';
import { environment, requiredEnv } from '../core/config/environment';
import type { AppointmentConnection, QueryappointmentsArgs } from '../core/graphql/types.generated';
import { listAppointments } from '../core/use-cases/list-appointments';

const appointments = new DynamoDbAppointmentRepository(new DynamoDBClient({}), requiredEnv(environment.appointmentsTableName));

/** The Lambda function of Query.appointments: its answer, or the error it answers with (core/adapters/appsync-field-answer.ts). */
export const handler: AppSyncResolverHandler<QueryappointmentsArgs, FieldAnswer<AppointmentConnection>> = (event) =>
  fieldAnswer(() => listAppointments(event.arguments, callerFrom(event.identity), { appointments }));
