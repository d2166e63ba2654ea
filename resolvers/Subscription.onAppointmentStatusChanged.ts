import type { AppSyncResolverHandler } from 'aws-lambda';
import { callerFrom } from '../core/caller';
import type { SubscriptiononAppointmentStatusChangedArgs } from '../core/graphql/types.generated';
import { followAppointmentStatus } from '../core/use-cases/follow-appointment-status';

/** Direct Lambda resolver for Subscription.onAppointmentStatusChanged: the owner check at subscribe time. */
export const handler: AppSyncResolverHandler<SubscriptiononAppointmentStatusChangedArgs, null> = (event) =>
  Promise.resolve(followAppointmentStatus(event.arguments, callerFrom(event.identity)));
