import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import {
  execute,
  GraphQLObjectType,
  subscribe,
  type DocumentNode,
  type ExecutionResult,
  type GraphQLField,
  type GraphQLFieldResolver,
  type GraphQLSchema,
} from 'graphql';
import { topology } from '../../core/config/topology';
import type { LocalLogger } from '../log';
import { buildAppSyncSchema } from './appsync-schema';
import { appSyncErrorJson, type AppSyncErrorJson } from './appsync-error';
import { applyAuthorization, type AuthorizationMode } from './authorization';
import { appSyncJsResolver } from './appsync-js-runtime';
import { lambdaDataSourceResolver, type LocalResolver } from './lambda-data-source';
import { noneDataSourceResolver } from './none-resolver';
import type { AppSyncRequestContext } from './request-context';
import { applyRequestLimits } from './request-limits';
import { SubscriptionFanOut } from './subscription-fan-out';
import { wireSubscriptions } from './subscriptions';
import { KnownQueries } from './known-queries';
import { appSyncValidationRefusal, appSyncVariablesRefusal } from './validation-errors';

const REPOSITORY_ROOT = resolve(__dirname, '..', '..');

export interface GraphqlRequest {
  readonly document: DocumentNode;
  readonly variables?: Record<string, unknown>;
  readonly operationName?: string;
}

/** What AppSync answers: `data` (null when nothing ran) and its errors, in AppSync's shape. */
export interface AppSyncAnswer {
  readonly data: unknown;
  readonly errors?: AppSyncErrorJson[];
}

/** A subscription that started (its events, each an answer) or the answer that refused it. */
export type SubscriptionOutcome = { readonly events: AsyncIterable<AppSyncAnswer> } | { readonly refused: AppSyncAnswer };

/**
 * The local AppSync's execution of schema.graphql on graphql-js: the APPSYNC_JS resolvers of
 * the Lambda-backed fields and of the NONE data source, run as deployed, @aws_subscribe, the auth directives and the
 * per-request limits. The endpoint authenticates first and hands each request here.
 */
export class LocalExecutor {
  private readonly queries = new KnownQueries<AppSyncAnswer | undefined>();

  private constructor(
    readonly schema: GraphQLSchema,
    /** The APPSYNC_JS module each resolved field runs, by `Type.field` (what the CDK stack deploys for it). */
    readonly resolverCode: ReadonlyMap<string, string>,
  ) {}

  static async create(options: {
    resolvers: readonly LocalResolver[];
    logger: LocalLogger;
    defaultMode: AuthorizationMode;
  }): Promise<LocalExecutor> {
    const schema = buildAppSyncSchema(await readFile(resolve(REPOSITORY_ROOT, 'schema.graphql'), 'utf8'));
    const subscriptionType = schema.getSubscriptionType();
    const subscribeResolvers = new Map<string, GraphQLFieldResolver<unknown, AppSyncRequestContext, Record<string, unknown>>>();
    const lambdaResolverCode = appSyncJsResolver(topology.lambdaResolverCode);
    // The internal publish mutations, each on its NONE data source with its own APPSYNC_JS file.
    const publishMutations = topology.publishMutations.map((publish) => ({ ...publish, resolver: appSyncJsResolver(publish.code) }));
    const resolverCode = new Map([
      ...options.resolvers.map(({ typeName, fieldName }) => [`${typeName}.${fieldName}`, lambdaResolverCode.code] as const),
      ...publishMutations.map(({ typeName, fieldName, resolver }) => [`${typeName}.${fieldName}`, resolver.code] as const),
    ]);
    for (const resolver of options.resolvers) {
      const lambda = lambdaDataSourceResolver(resolver, lambdaResolverCode, options.logger);
      if (resolver.typeName === subscriptionType?.name) subscribeResolvers.set(resolver.fieldName, lambda);
      else fieldOf(schema, resolver.typeName, resolver.fieldName).resolve = lambda;
    }
    for (const { typeName, fieldName, resolver } of publishMutations)
      fieldOf(schema, typeName, fieldName).resolve = noneDataSourceResolver(resolver);
    wireSubscriptions(schema, new SubscriptionFanOut(), subscribeResolvers);
    applyAuthorization(schema, options.defaultMode);
    // Outermost, so that a field over a limit never reaches its auth check or resolver.
    applyRequestLimits(
      schema,
      new Set([...options.resolvers, ...publishMutations].map(({ typeName, fieldName }) => `${typeName}.${fieldName}`)),
    );
    return new LocalExecutor(schema, resolverCode);
  }

  /** graphql-js's validation, answered as AppSync answers a request that fails it; undefined when valid. */
  validationRefusal(document: DocumentNode): AppSyncAnswer | undefined {
    return this.queries.verdictOn(document, () => appSyncValidationRefusal(this.schema, document));
  }

  /** The query text's document, parsed once while the text is in use; graphql-js's GraphQLError when it does not parse. */
  parse(queryText: string): DocumentNode {
    return this.queries.parse(queryText);
  }

  async execute(request: GraphqlRequest, context: AppSyncRequestContext): Promise<AppSyncAnswer> {
    return (
      appSyncVariablesRefusal(this.schema, request) ??
      answerOf(
        await execute({
          schema: this.schema,
          document: request.document,
          variableValues: request.variables,
          operationName: request.operationName,
          contextValue: context,
        }),
      )
    );
  }

  async subscribe(request: GraphqlRequest, context: AppSyncRequestContext): Promise<SubscriptionOutcome> {
    const refused = appSyncVariablesRefusal(this.schema, request);
    if (refused) return { refused };
    const result = await subscribe({
      schema: this.schema,
      document: request.document,
      variableValues: request.variables,
      operationName: request.operationName,
      contextValue: context,
    });
    if (!(Symbol.asyncIterator in result)) return { refused: answerOf(result) };
    return { events: answers(result) };
  }
}

/**
 * Each event as an answer. Not an async generator: a generator's `return()` waits for the
 * pending `next()`, so a quiet subscription could never be stopped; this one ends the source at once.
 */
function answers(results: AsyncGenerator<ExecutionResult>): AsyncIterableIterator<AppSyncAnswer> {
  return {
    next: async () => {
      const result = await results.next();
      return result.done ? { done: true, value: undefined } : { done: false, value: answerOf(result.value) };
    },
    return: async () => {
      await results.return(undefined);
      return { done: true, value: undefined };
    },
    [Symbol.asyncIterator]() {
      return this;
    },
  };
}

function answerOf(result: ExecutionResult): AppSyncAnswer {
  const data = result.data ?? null;
  return result.errors?.length ? { data, errors: result.errors.map(appSyncErrorJson) } : { data };
}

function fieldOf(
  schema: GraphQLSchema,
  typeName: string,
  fieldName: string,
): GraphQLField<unknown, AppSyncRequestContext, Record<string, unknown>> {
  const type = schema.getType(typeName);
  const field = type instanceof GraphQLObjectType ? type.getFields()[fieldName] : undefined;
  if (!field) throw new Error(`schema.graphql has no field ${typeName}.${fieldName}`);
  return field as GraphQLField<unknown, AppSyncRequestContext, Record<string, unknown>>;
}
