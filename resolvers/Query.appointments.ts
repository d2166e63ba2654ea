import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { AppSyncResolverHandler } from 'aws-lambda';
import { callerFrom } from '../core/caller';
import { DynamoDbAppointmentRepository } from '../core/adapters/dynamodb-appointment-repository';
import { environment, requiredEnv } from '../core/environment';
import type { AppointmentConnection, QueryappointmentsArgs } from '../core/graphql/types.generated';
import { listAppointments } from '../core/use-cases/list-appointments';

const appointments = new DynamoDbAppointmentRepository(new DynamoDBClient({}), requiredEnv(environment.appointmentsTableName));

/** Direct Lambda resolver for Query.appointments. */
export const handler: AppSyncResolverHandler<QueryappointmentsArgs, AppointmentConnection> = (event) =>
  listAppointments(event.arguments, callerFrom(event.identity), { appointments });
