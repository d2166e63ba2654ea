import type { AppointmentStatusChange, MutationpublishAppointmentStatusChangeArgs, Slot, SlotInput } from '../core/graphql/types.generated';

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
 * The change as its subscribers receive it. A slot's centre is an interface (Centre) in the answer: AppSync picks
 * its type from `__typename`, which an input cannot carry, so the input names it in `typeName`. A move's result
 * carries two slots, each the same way.
 */
export function response(ctx: StatusChangeContext): AppointmentStatusChange {
  const change = ctx.result as MutationpublishAppointmentStatusChangeArgs['change'];
  const reschedule = change.reschedule
    ? { ...change.reschedule, from: slotAnswer(change.reschedule.from), to: slotAnswer(change.reschedule.to) }
    : change.reschedule;
  return { ...change, slot: slotAnswer(change.slot), reschedule } as AppointmentStatusChange;
}

function slotAnswer(slot: SlotInput | null | undefined): Slot | null | undefined {
  if (!slot) return slot;
  const { typeName, ...centre } = slot.centre;
  return { ...slot, centre: { ...centre, __typename: typeName } } as Slot;
}
