import type { MutationpublishSlotAvailabilityChangeArgs, SlotAvailabilityChange } from '../core/graphql/types.generated';

/**
 * APPSYNC_JS resolver for Mutation.publishSlotAvailabilityChange, on a NONE data source: the request hands the
 * change over as the payload, which a NONE data source returns as the result, and AppSync pushes that result to
 * onSlotAvailabilityChanged, whose subscribers it filters by their countryISO and specialtyId. The CDK stack
 * bundles this file into one ES module for runtime APPSYNC_JS 1.0.0; the local executor runs the same two functions.
 * Only the parts of the context used here are typed: the runtime passes the whole context.
 */
export interface SlotAvailabilityChangeContext {
  readonly arguments: MutationpublishSlotAvailabilityChangeArgs;
  readonly result?: unknown;
}

export function request(ctx: SlotAvailabilityChangeContext): { payload: MutationpublishSlotAvailabilityChangeArgs['change'] } {
  return { payload: ctx.arguments.change };
}

export function response(ctx: SlotAvailabilityChangeContext): SlotAvailabilityChange {
  return ctx.result as SlotAvailabilityChange;
}
