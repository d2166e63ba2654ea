import type { AppSyncResolverHandler } from 'aws-lambda';
import { callerFrom } from '../core/domain/caller';
import { fieldAnswer, type FieldAnswer } from '../core/adapters/appsync-field-answer';
import type { SubscriptiononAppointmentStatusChangedArgs } from '../core/graphql/types.generated';
import { followAppointmentStatus } from '../core/use-cases/follow-appointment-status';

/** The Lambda function of Subscription.onAppointmentStatusChanged, the owner check at subscribe time: null, or the Unauthorized answer (core/adapters/appsync-field-answer.ts). */
export const handler: AppSyncResolverHandler<SubscriptiononAppointmentStatusChangedArgs, FieldAnswer<null>> = (event) =>
  fieldAnswer(() => Promise.resolve(followAppointmentStatus(event.arguments, callerFrom(event.identity))));
