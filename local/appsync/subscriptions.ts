import {
  defaultFieldResolver,
  valueFromASTUntyped,
  type GraphQLField,
  type GraphQLFieldResolver,
  type GraphQLResolveInfo,
  type GraphQLSchema,
} from 'graphql';
import { selectedByMutation } from './mutation-selection';
import type { AppSyncRequestContext } from './request-context';
import type { SubscriptionFanOut } from './subscription-fan-out';

type FieldResolver = GraphQLFieldResolver<unknown, AppSyncRequestContext, Record<string, unknown>>;

/**
 * Subscriptions as AppSync runs them ("Real-time data",
 * https://docs.aws.amazon.com/appsync/latest/devguide/aws-appsync-real-time-data.html):
 * - the subscription field's own resolver, if any, runs once when the client subscribes,
 *   and an error from it refuses the subscription (the owner check);
 * - each mutation named in the field's @aws_subscribe publishes its result, once it
 *   has resolved, to the field's subscribers whose arguments it matches: an argument the
 *   subscription leaves out filters nothing, and one given as null matches only a null
 *   field (same page, "Argument null value has meaning");
 * - each published result, as far as the mutation selected it, is the event's value for the field.
 */
export function wireSubscriptions(
  schema: GraphQLSchema,
  fanOut: SubscriptionFanOut,
  subscribeResolvers: ReadonlyMap<string, FieldResolver>,
): void {
  const subscriptionType = schema.getSubscriptionType();
  if (!subscriptionType) return;
  for (const field of Object.values(subscriptionType.getFields())) {
    const ownResolver = subscribeResolvers.get(field.name);
    field.subscribe = async (source, args: Record<string, unknown>, context: AppSyncRequestContext, info) => {
      if (ownResolver) await ownResolver(source, args, context, info);
      return fanOut.listen(field.name, argumentFilter(args, info));
    };
    field.resolve = (change: unknown) => change;
    for (const mutationName of mutationsPublishingTo(field)) publishResultsOf(schema, mutationName, field.name, fanOut);
  }
}

function publishResultsOf(schema: GraphQLSchema, mutationName: string, subscriptionFieldName: string, fanOut: SubscriptionFanOut): void {
  const mutation = schema.getMutationType()?.getFields()[mutationName];
  if (!mutation) throw new Error(`@aws_subscribe on ${subscriptionFieldName} names ${mutationName}, which is not a field of Mutation`);
  const resolve: FieldResolver = mutation.resolve ?? defaultFieldResolver;
  mutation.resolve = async (source: unknown, args: Record<string, unknown>, context: AppSyncRequestContext, info: GraphQLResolveInfo) => {
    const result: unknown = await resolve(source, args, context, info);
    fanOut.publish(subscriptionFieldName, selectedByMutation(result, info));
    return result;
  };
}

/**
 * The arguments the subscription names, each with its value: null when given as null, and also when given as a
 * variable the request leaves out. graphql-js drops such an argument, as the GraphQL spec says; AppSync filters on it
 * as null, so the subscriber hears nothing of a field that is never null (aws-appsync-community issue 94, open and
 * marked a bug by AppSync's team; the same in aws-mobile-appsync-sdk-js issues 241 and 339). Kept as AppSync does
 * it, so that a client that hears changes here hears them in AWS too.
 */
function argumentFilter(args: Readonly<Record<string, unknown>>, info: GraphQLResolveInfo): Record<string, unknown> {
  const named = info.fieldNodes[0]?.arguments?.map((argument) => argument.name.value) ?? [];
  return Object.fromEntries(named.map((name) => [name, args[name] ?? null]));
}

/** The mutations a subscription field's @aws_subscribe(mutations: [...]) names. */
export function mutationsPublishingTo(field: GraphQLField<unknown, unknown>): string[] {
  const directive = field.astNode?.directives?.find((candidate) => candidate.name.value === 'aws_subscribe');
  const argument = directive?.arguments?.find((candidate) => candidate.name.value === 'mutations');
  return argument ? [valueFromASTUntyped(argument.value)].flat().map(String) : [];
}
