import { createServer as createHttpServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import type { LocalTokenIssuer } from '../identity/issuer';
import type { LocalLogger } from '../log';
import type { AppSyncMeter } from './appsync-usage';
import type { Authenticator } from './authentication';
import type { LocalResolver } from './lambda-data-source';
import { LocalExecutor } from './executor';
import { handleExplorerRequest, type ExplorerIdentity } from './explorer/explorer';
import { answerJson, answerPreflight, handleGraphqlPost } from './graphql-http-handler';
import type { KnownCredentials } from './iam-signature';
import { LocalRealtime, REALTIME_PATH } from './realtime';
import { provideLocalTls } from './tls';

/**
 * The local AppSync endpoint: what a client dials. Plain HTTP on one port and TLS
 * on another (Amplify JS only dials wss://), each serving POST /graphql, the
 * realtime websocket at /graphql/realtime, and the explorer at /. Each request is
 * first authenticated (a token must be signed by the local user pool, a SigV4
 * signature must verify), then run by the local executor on schema.graphql
 * (executor.ts); the resolver count and depth limits apply while it runs
 * (request-limits.ts), as in AppSync.
 */
export interface LocalAppSync {
  readonly graphqlUrl: string;
  /** The same API over TLS, with a certificate from the CA in `caCertificateFile`. */
  readonly graphqlTlsUrl: string;
  readonly realtimeUrl: string;
  readonly explorerUrl: string;
  readonly caCertificateFile: string;
  stop(): Promise<void>;
}

export interface LocalAppSyncOptions {
  /** Plain HTTP port; 0 picks a free one. */
  readonly port: number;
  /** TLS port; 0 picks a free one. */
  readonly tlsPort: number;
  readonly apiKey: string;
  readonly issuer: LocalTokenIssuer;
  /** The only credentials whose SigV4 signatures are accepted: the functions'. */
  readonly iamCredentials: KnownCredentials;
  /** Where the local CA and the server certificate are kept. */
  readonly tlsDir: string;
  readonly resolvers: readonly LocalResolver[];
  readonly logger: LocalLogger;
  /** As the API's introspection setting: on (a development deployment, the default) or off, as AppSync answers then. */
  readonly introspection?: boolean;
  /** Where what AppSync would bill is counted (local/appsync/appsync-usage.ts). */
  readonly meter?: AppSyncMeter;
}

const GRAPHQL_PATH = '/graphql';
/** A first visit browses the coming week's free slots in Lima, with the catalog's pickers, as a booking screen does. */
const explorerQuery = (now = new Date()) => `query BookingScreen {
  catalog(countryISO: PE) { specialties { specialtyId name } }
  availableSlots(countryISO: PE, from: "${now.toISOString()}", to: "${new Date(now.getTime() + 7 * 86_400_000).toISOString()}", limit: 5) {
    items { scheduleId startsAt centre { name } specialty { name } doctor { name } }
    nextToken
  }
}`;

export async function startLocalAppSync(options: LocalAppSyncOptions): Promise<LocalAppSync> {
  const [executor, tls] = await Promise.all([
    // The deployed API's default mode: a field or type without auth directives accepts user-pool tokens only.
    LocalExecutor.create({ resolvers: options.resolvers, logger: options.logger, defaultMode: 'AMAZON_COGNITO_USER_POOLS' }),
    provideLocalTls(options.tlsDir),
  ]);
  const authenticator: Authenticator = { apiKey: options.apiKey, issuer: options.issuer, iamCredentials: options.iamCredentials };
  const realtime = new LocalRealtime({ executor, authenticator, logger: options.logger, meter: options.meter });
  const explorer = {
    graphqlPath: GRAPHQL_PATH,
    realtimePath: REALTIME_PATH,
    defaultQuery: explorerQuery(),
    identities: () => explorerIdentities(options),
  };
  const graphql = { executor, authenticator, logger: options.logger, introspection: options.introspection, meter: options.meter };

  const serve = (request: IncomingMessage, response: ServerResponse) => {
    handleRequest(request, response).catch((error: unknown) => {
      options.logger.error('The local endpoint failed to answer', {
        url: request.url,
        error: error instanceof Error ? error.message : String(error),
      });
      if (!response.headersSent)
        answerJson(response, 500, {
          errors: [{ errorType: 'InternalFailureException', message: 'The local endpoint failed; see its log.' }],
        });
    });
  };
  const handleRequest = async (request: IncomingMessage, response: ServerResponse) => {
    const path = new URL(request.url ?? '/', 'http://localhost').pathname;
    if ((request.method === 'GET' || request.method === 'HEAD') && (await handleExplorerRequest(request, response, explorer))) return;
    if (path !== GRAPHQL_PATH)
      return answerJson(response, 404, {
        errors: [{ errorType: 'NotFound', message: `Nothing is served at ${path}: the API is POST ${GRAPHQL_PATH}, the explorer is /.` }],
      });
    if (request.method === 'OPTIONS') return answerPreflight(request, response);
    if (request.method !== 'POST') {
      response.setHeader('allow', 'POST');
      return answerJson(response, 405, {
        errors: [
          { errorType: 'MethodNotAllowed', message: 'The GraphQL API accepts POST only, as AppSync does (send queries as POST, not GET).' },
        ],
      });
    }
    await handleGraphqlPost(request, response, graphql);
  };

  const http = await listen(createHttpServer(serve), options.port);
  const https = await listen(createHttpsServer({ key: tls.key, cert: tls.cert }, serve), options.tlsPort);
  for (const server of [http, https]) realtime.attach(server);
  const base = `http://127.0.0.1:${port(http)}`;
  return {
    graphqlUrl: `${base}${GRAPHQL_PATH}`,
    graphqlTlsUrl: `https://127.0.0.1:${port(https)}${GRAPHQL_PATH}`,
    realtimeUrl: `ws://127.0.0.1:${port(http)}${REALTIME_PATH}`,
    explorerUrl: `${base}/`,
    caCertificateFile: tls.caCertificateFile,
    stop: async () => {
      await realtime.close();
      await Promise.all([http, https].map(close));
    },
  };
}

/** The explorer's "who am I" choices: the API key, and fresh tokens of a sample insured person and a staff member. */
async function explorerIdentities(options: LocalAppSyncOptions): Promise<ExplorerIdentity[]> {
  const [insured, staff] = await Promise.all([options.issuer.issue({ insuredId: '00012' }), options.issuer.issue({ staff: true })]);
  return [
    { label: 'API key (developer: acts as staff)', headers: { 'x-api-key': options.apiKey } },
    { label: 'Insured 00012 (user pool token)', headers: { Authorization: insured } },
    { label: 'Staff, agents group (user pool token)', headers: { Authorization: staff } },
  ];
}

/** Listens on loopback only; a port in use says how to pick another. */
async function listen(server: Server, port: number): Promise<Server> {
  await new Promise<void>((resolve, reject) => {
    server.once('error', (error: NodeJS.ErrnoException) =>
      reject(
        error.code === 'EADDRINUSE'
          ? new Error(`Port ${port} is in use: stop what listens there, or pick another port (npm start -- --port N; 0 picks a free one)`)
          : error,
      ),
    );
    server.listen(port, '127.0.0.1', () => resolve());
  });
  return server;
}

function port(server: Server): number {
  return (server.address() as AddressInfo).port;
}

async function close(server: Server): Promise<void> {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
}
