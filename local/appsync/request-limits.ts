import {
  defaultFieldResolver,
  GraphQLError,
  GraphQLObjectType,
  visit,
  type DocumentNode,
  type GraphQLFieldResolver,
  type GraphQLResolveInfo,
  type GraphQLSchema,
} from 'graphql';
import { apiLimits } from '../../core/config/api-limits';
import { AppSyncFieldError } from './appsync-error';

/**
 * AppSync's per-request limits, applied where AppSync applies them: while the request runs
 * (Developer Guide, "Configuring GraphQL run complexity, query depth, and introspection").
 * - Resolver count: the first `resolverCountLimit` resolvers run; each further one ends with a
 *   `ResolverExecutionLimitReached` error and does not run. The request is not refused whole.
 * - Query depth: a field deeper than `queryDepthLimit` (leaves count as a level) ends with a
 *   `QueryDepthLimitReached` error, which goes up to its first nullable parent; the rest of the
 *   answer is returned.
 * - Introspection, when disabled: `__schema` and `__type` fail validation; `__typename` still answers.
 */

/** The error AppSync ends a field with when a limit is reached: an error of the field, with its errorType. */
export class FieldLimitError extends AppSyncFieldError {
  constructor(
    override readonly errorType: 'ResolverExecutionLimitReached' | 'QueryDepthLimitReached',
    message: string,
  ) {
    super(errorType, message);
  }
}

/** As reported by AppSync clients (aws-amplify/amplify-js issue 8342); AppSync's guide shows only the errorType. */
const RESOLVER_LIMIT_MESSAGE = 'Resolver invocation limit reached.';

interface Limits {
  readonly resolverCountLimit: number;
  readonly queryDepthLimit: number;
}

/**
 * Wraps every field of the schema's own types so that each request counts the resolvers it runs
 * and the depth it reaches. `resolvedFields` are the fields that have a resolver (`Type.field`).
 * Introspection types (`__Type`, …) are graphql-js's shared objects and are left as they are.
 */
export function applyRequestLimits(schema: GraphQLSchema, resolvedFields: ReadonlySet<string>, limits: Limits = apiLimits): void {
  // One counter per request: the executor hands every field of a request the same context object.
  const resolversRun = new WeakMap<object, number>();
  for (const type of Object.values(schema.getTypeMap())) {
    if (!(type instanceof GraphQLObjectType) || type.name.startsWith('__')) continue;
    for (const field of Object.values(type.getFields())) {
      const resolve: GraphQLFieldResolver<unknown, unknown> = field.resolve ?? defaultFieldResolver;
      // A subscription's resolver runs once, when the client subscribes; graphql-js calls the field's
      // resolve again for every event it pushes, which AppSync does not count (and one subscription
      // request holds exactly one root field, so it can never be over the limit).
      const countsAsResolver = resolvedFields.has(`${type.name}.${field.name}`) && type !== schema.getSubscriptionType();
      field.resolve = (source, args, context: object, info) => {
        if (depthOf(info) > limits.queryDepthLimit) {
          throw new FieldLimitError('QueryDepthLimitReached', `Query depth limit of ${limits.queryDepthLimit} reached.`);
        }
        if (countsAsResolver) {
          const run = (resolversRun.get(context) ?? 0) + 1;
          resolversRun.set(context, run);
          if (run > limits.resolverCountLimit) throw new FieldLimitError('ResolverExecutionLimitReached', RESOLVER_LIMIT_MESSAGE);
        }
        return resolve(source, args, context, info);
      };
    }
  }
}

/** The meta fields that introspect the schema (`__typename` is not one of them). */
const INTROSPECTION_FIELDS = new Set(['__schema', '__type']);

/** AppSync's answer to an introspection field on an API with introspection disabled, or undefined when there is none. */
export function introspectionRefusal(document: DocumentNode): GraphQLError[] | undefined {
  const errors: GraphQLError[] = [];
  visit(document, {
    Field(node) {
      if (!INTROSPECTION_FIELDS.has(node.name.value)) return undefined;
      const field = node.name.value;
      // AppSync (graphql-java) words a validation error this way; the field's own selections are not looked at.
      errors.push(
        new GraphQLError(`Validation error of type FieldUndefined: Field '${field}' in type 'Query' is undefined @ '${field}'`, {
          nodes: node,
        }),
      );
      return false;
    },
  });
  return errors.length ? errors : undefined;
}

/** Levels of fields from the root to this one, list indices not counted. */
function depthOf(info: GraphQLResolveInfo): number {
  let depth = 0;
  for (let at: GraphQLResolveInfo['path'] | undefined = info.path; at; at = at.prev) if (typeof at.key === 'string') depth++;
  return depth;
}
