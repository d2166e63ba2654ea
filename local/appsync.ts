import { readFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import { resolve } from 'node:path';
import type { AmplifyAppSyncSimulator, AppSyncSimulatorDataSourceConfig, AppSyncSimulatorDataSourceType } from '@aws-amplify/amplify-appsync-simulator';
import { GraphQLObjectType } from 'graphql';
import type { LocalLogger } from './log';
import { freePort } from './mysql-server';

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

const SCHEMA_PATH = resolve(__dirname, '..', 'schema.graphql');
const LAMBDA: `${AppSyncSimulatorDataSourceType.Lambda}` = 'AWS_LAMBDA';

/** A GraphQL field served by a direct Lambda resolver: `invoke` runs the function with the resolver event. */
export interface LocalResolver {
  readonly typeName: string;
  readonly fieldName: string;
  readonly invoke: (event: unknown) => Promise<unknown>;
}

export interface LocalAppSync {
  readonly graphqlUrl: string;
  /** The simulator's GraphiQL explorer (it reads the API key itself from /api-config). */
  readonly explorerUrl: string;
  readonly port: number;
  stop(): Promise<void>;
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

/**
 * The AppSync simulator serving schema.graphql as the deployed API does: API key
 * by default, Cognito user pools and IAM as further modes (the simulator checks
 * a JWT's issuer and that an IAM request is signed, not the signature), each field
 * wired to its Lambda through the templates above. Listens on 127.0.0.1 only.
 */
export async function startLocalAppSync(options: {
  port: number;
  apiKey: string;
  resolvers: readonly LocalResolver[];
  logger: LocalLogger;
}): Promise<LocalAppSync> {
  const { AmplifyAppSyncSimulator, AmplifyAppSyncSimulatorAuthenticationType, RESOLVER_KIND, addDataLoader, removeDataLoader } = await loadAppSyncSimulator();
  removeDataLoader(LAMBDA as AppSyncSimulatorDataSourceType);
  addDataLoader(LAMBDA as AppSyncSimulatorDataSourceType, QuietLambdaDataLoader);
  const schema = await readFile(SCHEMA_PATH, 'utf8');
  const dataSourceName = (resolver: LocalResolver) => `${resolver.typeName}_${resolver.fieldName}`;
  // Port 0: a free port on loopback (the simulator itself would probe 8900–9999 on every interface).
  const port = options.port === 0 ? await freePort() : options.port;
  const simulator = new AmplifyAppSyncSimulator({ port });
  const DIRECT_RESOLVER_REQUEST_LOCATION = 'direct-lambda-resolver.request.vtl';
  const DIRECT_RESOLVER_RESPONSE_LOCATION = 'direct-lambda-resolver.response.vtl';
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
    ],
    dataSources: options.resolvers.map((resolver) => ({
      type: LAMBDA,
      name: dataSourceName(resolver),
      invoke: (event: unknown) => invokeAndReport(resolver, event, options.logger),
    })),
    resolvers: options.resolvers.map((resolver) => ({
      kind: RESOLVER_KIND.UNIT,
      typeName: resolver.typeName,
      fieldName: resolver.fieldName,
      dataSourceName: dataSourceName(resolver),
      requestMappingTemplateLocation: DIRECT_RESOLVER_REQUEST_LOCATION,
      responseMappingTemplateLocation: DIRECT_RESOLVER_RESPONSE_LOCATION,
    })),
  });
  for (const resolver of options.resolvers) oneErrorPerFailedField(simulator, resolver);
  const httpServer = simulatorHttpServer(simulator);
  listenOnLoopbackOnly(httpServer);
  // A failed listen would be an uncaught 'error' (the simulator's websocket server re-emits it) and
  // leave the simulator waiting for 'listening': so the port is tried first.
  await assertPortFree(port);
  await simulator.start();
  const base = `http://127.0.0.1:${port}`;
  return {
    graphqlUrl: `${base}/graphql`,
    explorerUrl: `${base}/`,
    port,
    stop: async () => {
      httpServer?.closeAllConnections();
      await simulator.stop();
    },
  };
}

async function assertPortFree(port: number): Promise<void> {
  const probe = createServer();
  try {
    await new Promise<void>((resolve, reject) => {
      probe.once('error', reject);
      probe.listen(port, '127.0.0.1', () => resolve());
    });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EADDRINUSE') throw error;
    throw new Error(`Port ${port} is in use: stop what listens there, or pick another port (npm start -- --port N; 0 picks a free one)`);
  } finally {
    await new Promise((resolve) => probe.close(resolve));
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

// The simulator (2.16) keeps its HTTP server private and listens on every interface;
// these reach in, guarded, to bind it to loopback and to close kept-alive connections on stop.
function simulatorHttpServer(simulator: AmplifyAppSyncSimulator): Server | undefined {
  return (simulator as unknown as { _server?: { _httpServer?: Server } })._server?._httpServer;
}

function listenOnLoopbackOnly(server: Server | undefined): void {
  if (!server) return;
  const listen = server.listen.bind(server) as (port: number, host: string) => Server;
  (server as unknown as { listen: (port: number) => Server }).listen = (port: number) => listen(port, '127.0.0.1');
}
