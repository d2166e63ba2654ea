import { readFile } from 'node:fs/promises';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { resolve } from 'node:path';
import type {
  AmplifyAppSyncAPIConfig,
  AmplifyAppSyncSimulator,
  AppSyncSimulatorDataSourceConfig,
  AppSyncSimulatorDataSourceType,
  AppSyncSimulatorUnitResolverConfig,
} from '@aws-amplify/amplify-appsync-simulator';
import { GraphQLObjectType, type GraphQLSchema } from 'graphql';
import { topology } from '../../core/topology';
import type { LocalLogger } from '../log';
import { applyRequestLimits } from './request-limits';
import { publishedChangesMatching } from './subscription-filter';

type SimulatorModule = typeof import('@aws-amplify/amplify-appsync-simulator');
let simulatorModule: Promise<SimulatorModule> | undefined;

/**
 * Loading the simulator takes a second or two of CPU (it pulls in much of the
 * Amplify CLI); the stack starts this early, while MariaDB and esbuild start in
 * their own processes.
 */
export function loadAppSyncSimulator(): Promise<SimulatorModule> {
  simulatorModule ??= import('@aws-amplify/amplify-appsync-simulator');
  return simulatorModule;
}

const SCHEMA_PATH = resolve(__dirname, '..', '..', 'schema.graphql');
const LAMBDA: `${AppSyncSimulatorDataSourceType.Lambda}` = 'AWS_LAMBDA';
const NONE: `${AppSyncSimulatorDataSourceType.None}` = 'NONE';

/** A GraphQL field served by a direct Lambda resolver: `invoke` runs the function with the resolver event. */
export interface LocalResolver {
  readonly typeName: string;
  readonly fieldName: string;
  readonly invoke: (event: unknown) => Promise<unknown>;
}

/**
 * The direct Lambda resolver event AppSync sends (AppSyncResolverEvent): the
 * simulator has no direct resolvers, so a request template builds it.
 * `version 2018-05-29` hands a Lambda error to the response template as $ctx.error.
 */
export const DIRECT_RESOLVER_REQUEST_TEMPLATE = `{
  "version": "2018-05-29",
  "operation": "Invoke",
  "payload": {
    "arguments": $util.toJson($ctx.arguments),
    "identity": $util.toJson($ctx.identity),
    "source": $util.toJson($ctx.source),
    "request": { "headers": $util.toJson($ctx.request.headers), "domainName": null },
    "info": {
      "fieldName": $util.toJson($ctx.info.fieldName),
      "parentTypeName": $util.toJson($ctx.info.parentTypeName),
      "variables": $util.toJson($ctx.info.variables),
      "selectionSetList": $util.toJson($ctx.info.selectionSetList),
      "selectionSetGraphQL": $util.toJson($ctx.info.selectionSetGraphQL)
    },
    "prev": $util.toJson($ctx.prev),
    "stash": $util.toJson($ctx.stash)
  }
}`;

/**
 * What AppSync does with a direct resolver's answer: the result as is, or the
 * thrown error as a GraphQL error whose errorType is the error's name.
 * (`$ctx.error.type` is not the name in the simulator; `$ctx.error.name` is.)
 */
export const DIRECT_RESOLVER_RESPONSE_TEMPLATE = `#if($ctx.error)
$util.error($ctx.error.message, $ctx.error.name)
#end
$util.toJson($ctx.result)`;

/** The simulator, built but not listening: the local endpoint owns the ports and hands it each request. */
export interface LocalSimulator {
  /** Express's handler for POST /graphql (the body already parsed into `request.body`). */
  readonly handleGraphqlRequest: (request: IncomingMessage, response: ServerResponse) => void;
  readonly schema: GraphQLSchema;
  /** The simulator's configuration, which its auth-mode checks read. */
  readonly appSyncConfig: AmplifyAppSyncAPIConfig;
}

/**
 * The AppSync simulator serving schema.graphql as the deployed API does: API key,
 * Cognito user pools and IAM; each Lambda-backed field wired to its function through
 * the templates above; the internal status-change mutation on a NONE data source,
 * feeding its subscription with AppSync's argument filtering.
 */
export async function createLocalSimulator(options: {
  apiKey: string;
  resolvers: readonly LocalResolver[];
  logger: LocalLogger;
}): Promise<LocalSimulator> {
  const { AmplifyAppSyncSimulator, AmplifyAppSyncSimulatorAuthenticationType, RESOLVER_KIND, addDataLoader, removeDataLoader } = await loadAppSyncSimulator();
  removeDataLoader(LAMBDA as AppSyncSimulatorDataSourceType);
  addDataLoader(LAMBDA as AppSyncSimulatorDataSourceType, QuietLambdaDataLoader);
  const schema = await readFile(SCHEMA_PATH, 'utf8');
  const dataSourceName = (resolver: LocalResolver) => `${resolver.typeName}_${resolver.fieldName}`;
  const { statusChanges } = topology;
  // Never started: the endpoint serves the simulator's express app and realtime on its own ports.
  const simulator = new AmplifyAppSyncSimulator({ port: 0 });
  simulator.init({
    schema: { path: 'schema.graphql', content: schema },
    appSync: {
      name: 'appointments-local',
      apiKey: options.apiKey,
      defaultAuthenticationType: { authenticationType: AmplifyAppSyncSimulatorAuthenticationType.API_KEY },
      additionalAuthenticationProviders: [
        { authenticationType: AmplifyAppSyncSimulatorAuthenticationType.AMAZON_COGNITO_USER_POOLS, cognitoUserPoolConfig: {} },
        { authenticationType: AmplifyAppSyncSimulatorAuthenticationType.AWS_IAM },
      ],
    },
    // Registered once by location: the simulator parses these up front, whereas an inline
    // template is parsed again on every request (measured: a tenth of the main thread's time).
    mappingTemplates: [
      { path: DIRECT_RESOLVER_REQUEST_LOCATION, content: DIRECT_RESOLVER_REQUEST_TEMPLATE },
      { path: DIRECT_RESOLVER_RESPONSE_LOCATION, content: DIRECT_RESOLVER_RESPONSE_TEMPLATE },
      { path: STATUS_CHANGE_REQUEST_LOCATION, content: statusChanges.requestTemplate },
      { path: STATUS_CHANGE_RESPONSE_LOCATION, content: statusChanges.responseTemplate },
    ],
    dataSources: [
      ...options.resolvers.map((resolver) => ({
        type: LAMBDA,
        name: dataSourceName(resolver),
        invoke: (event: unknown) => invokeAndReport(resolver, event, options.logger),
      })),
      { type: NONE, name: STATUS_CHANGE_DATA_SOURCE },
    ],
    resolvers: [
      ...options.resolvers.map((resolver): AppSyncSimulatorUnitResolverConfig => ({
        kind: RESOLVER_KIND.UNIT,
        typeName: resolver.typeName,
        fieldName: resolver.fieldName,
        dataSourceName: dataSourceName(resolver),
        requestMappingTemplateLocation: DIRECT_RESOLVER_REQUEST_LOCATION,
        responseMappingTemplateLocation: DIRECT_RESOLVER_RESPONSE_LOCATION,
      })),
      {
        kind: RESOLVER_KIND.UNIT,
        typeName: statusChanges.typeName,
        fieldName: statusChanges.fieldName,
        dataSourceName: STATUS_CHANGE_DATA_SOURCE,
        requestMappingTemplateLocation: STATUS_CHANGE_REQUEST_LOCATION,
        responseMappingTemplateLocation: STATUS_CHANGE_RESPONSE_LOCATION,
      },
    ],
  });
  for (const resolver of options.resolvers) oneErrorPerFailedField(simulator, resolver);
  // Outermost, so that a field over a limit never reaches its resolver.
  applyRequestLimits(simulator.schema, new Set([...options.resolvers, statusChanges].map(({ typeName, fieldName }) => `${typeName}.${fieldName}`)));
  filterSubscriptionsByArguments(simulator);
  return { handleGraphqlRequest: simulatorApp(simulator), schema: simulator.schema, appSyncConfig: simulator.appSyncConfig };
}

const DIRECT_RESOLVER_REQUEST_LOCATION = 'direct-lambda-resolver.request.vtl';
const DIRECT_RESOLVER_RESPONSE_LOCATION = 'direct-lambda-resolver.response.vtl';
const STATUS_CHANGE_REQUEST_LOCATION = 'status-change.request.vtl';
const STATUS_CHANGE_RESPONSE_LOCATION = 'status-change.response.vtl';
const STATUS_CHANGE_DATA_SOURCE = 'StatusChanges_NONE';

/**
 * AppSync delivers a published change to a subscriber only when every argument the
 * subscriber gave equals the field of that name in the mutation's answer. The
 * simulator compares raw variables only (literals and renamed variables slip through
 * to everyone), so each subscription field gets its own `subscribe` that filters by
 * the field's resolved arguments.
 */
function filterSubscriptionsByArguments(simulator: AmplifyAppSyncSimulator): void {
  // graphql-subscriptions puts one listener per subscriber on one emitter: many subscribers are normal here, not a leak.
  (simulator.pubsub as unknown as { ee?: { setMaxListeners(count: number): void } }).ee?.setMaxListeners(0);
  const subscriptionType = simulator.schema.getSubscriptionType();
  for (const field of Object.values(subscriptionType?.getFields() ?? {})) {
    field.subscribe = (_source, args: Record<string, unknown>, context: { appsyncErrors?: unknown[] }) => {
      // The subscription's own resolver (the owner check) refused: it never starts.
      if (context.appsyncErrors?.length) throw new Error('Subscription failed');
      return publishedChangesMatching(simulator.pubsub.asyncIterator<unknown>(field.name), args);
    };
  }
}

/**
 * AppSync answers a field whose resolver raised `$util.error` with that one error
 * (and null). The simulator returns null and records the error aside, so
 * graphql-js adds "Cannot return null for non-nullable field" as a second error.
 * Raising the recorded error from the field instead gives AppSync's single error,
 * with its errorType, path and locations.
 */
function oneErrorPerFailedField(simulator: AmplifyAppSyncSimulator, resolver: LocalResolver): void {
  const type = simulator.schema.getType(resolver.typeName);
  if (!(type instanceof GraphQLObjectType)) throw new Error(`schema.graphql has no object type ${resolver.typeName}`);
  const field = type.getFields()[resolver.fieldName];
  if (!field) throw new Error(`schema.graphql has no field ${resolver.typeName}.${resolver.fieldName}`);
  const resolve = field.resolve;
  if (!resolve) return;
  field.resolve = async (source, args, context: { appsyncErrors?: unknown[] }, info) => {
    const before = context.appsyncErrors?.length ?? 0;
    const result: unknown = await resolve(source, args, context, info);
    const raised = context.appsyncErrors?.[before];
    if ((result === null || result === undefined) && raised instanceof Error) {
      context.appsyncErrors = context.appsyncErrors?.filter((error) => error !== raised);
      throw raised;
    }
    return result;
  };
}

/** Runs the resolver; an error it throws is one log line here (the simulator would print its stack for each). */
async function invokeAndReport(resolver: LocalResolver, event: unknown, logger: LocalLogger): Promise<unknown> {
  try {
    return await resolver.invoke(event);
  } catch (error) {
    const { name, message, stack } = error instanceof Error ? error : new Error(String(error));
    const field = `${resolver.typeName}.${resolver.fieldName}`;
    // Errors of the API's own types (ValidationError, …) are answers to the client; the rest are faults.
    if (isFault(name)) logger.error('Resolver failed', { field, errorType: name, errorMessage: message, stack });
    else logger.info('Resolver answered with an error', { field, errorType: name, errorMessage: message });
    throw error;
  }
}

function isFault(errorName: string): boolean {
  return ['Error', 'TypeError', 'RangeError', 'ReferenceError', 'SyntaxError'].includes(errorName) || /^(Runtime|Sandbox)\./.test(errorName);
}

/**
 * The simulator's own Lambda data loader prints every error with its stack to
 * stderr; this one does what it does otherwise (Invoke; BatchInvoke is not used
 * by the schema) and leaves reporting to `invokeAndReport`.
 */
class QuietLambdaDataLoader {
  private readonly invoke: (payload: unknown) => Promise<unknown>;

  constructor(config?: AppSyncSimulatorDataSourceConfig) {
    if (config?.type !== LAMBDA || !('invoke' in config)) throw new Error('QuietLambdaDataLoader serves Lambda data sources only');
    this.invoke = config.invoke as (payload: unknown) => Promise<unknown>;
  }

  async load(request: { operation?: string; payload?: unknown }): Promise<object | null> {
    if (request.operation !== 'Invoke') throw new Error(`The local stack supports Lambda operation Invoke only, not ${request.operation}`);
    return (await this.invoke(request.payload)) as object | null;
  }
}

// The simulator (2.16) keeps its express app private; the endpoint serves it on its own ports.
function simulatorApp(simulator: AmplifyAppSyncSimulator): (request: IncomingMessage, response: ServerResponse) => void {
  const app = (simulator as unknown as { _server?: { _operationServer?: { app?: (request: IncomingMessage, response: ServerResponse) => void } } })._server?._operationServer?.app;
  if (!app) throw new Error('The AppSync simulator no longer exposes its express app (_server._operationServer.app): check its version');
  return app;
}
