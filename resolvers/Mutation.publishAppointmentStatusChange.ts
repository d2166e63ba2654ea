import type { AppointmentStatusChange, MutationpublishAppointmentStatusChangeArgs } from '../core/graphql/types.generated';

/**
 * APPSYNC_JS resolver for Mutation.publishAppointmentStatusChange, on a NONE data source:
 * the request hands the change over as the payload, which a NONE data source returns as
 * the result, and AppSync pushes that result to the subscriptions that name the mutation
 * in @aws_subscribe. The CDK stack bundles this file into one ES module for runtime
 * APPSYNC_JS 1.0.0; the local executor runs the same two functions.
 * Only the parts of the context used here are typed: the runtime passes the whole context.
 */
export interface StatusChangeContext {
  readonly arguments: MutationpublishAppointmentStatusChangeArgs;
  readonly result?: unknown;
}

export function request(ctx: StatusChangeContext): { payload: MutationpublishAppointmentStatusChangeArgs['change'] } {
  return { payload: ctx.arguments.change };
}

/**
 * The change as its subscribers receive it. The slot's centre is an interface (Centre) in the answer: AppSync
 * picks its type from `__typename`, which an input cannot carry, so the input names it in `typeName`.
 */
export function response(ctx: StatusChangeContext): AppointmentStatusChange {
  const change = ctx.result as MutationpublishAppointmentStatusChangeArgs['change'];
  if (!change.slot) return change as AppointmentStatusChange;
  const { typeName, ...centre } = change.slot.centre;
  return { ...change, slot: { ...change.slot, centre: { ...centre, __typename: typeName } } } as AppointmentStatusChange;
}
