import { createServer as createHttpServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { GraphQLError, parse, type DocumentNode } from 'graphql';
import type { LocalTokenIssuer } from '../identity/issuer';
import type { LocalLogger } from '../log';
import { authenticate, AuthenticationError, type Authenticator } from './authentication';
import { handleExplorerRequest, type ExplorerIdentity } from './explorer/explorer';
import type { KnownCredentials } from './iam-signature';
import { LocalRealtime, REALTIME_PATH } from './realtime';
import { introspectionRefusal } from './request-limits';
import { createLocalSimulator, type LocalResolver } from './simulator';
import { readRequestBody } from '../network';
import { provideLocalTls } from './tls';

/**
 * The local AppSync endpoint: what a client dials. Plain HTTP on one port and TLS
 * on another (Amplify JS only dials wss://), each serving POST /graphql, the
 * realtime websocket at /graphql/realtime, and the explorer at /. Before the
 * simulator runs anything it does what AppSync does first: authenticate (a token
 * must be signed by the local user pool, a SigV4 signature must verify) and, with
 * introspection off, refuse `__schema` and `__type`. The resolver count and depth
 * limits apply while the request runs (request-limits.ts), as in AppSync.
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
}

const GRAPHQL_PATH = '/graphql';
const EXPLORER_QUERY = `mutation Book {
  createAppointment(input: { insuredId: "00012", scheduleId: 100, countryISO: PE }) {
    appointmentId status createdAt
  }
}`;

export async function startLocalAppSync(options: LocalAppSyncOptions): Promise<LocalAppSync> {
  const [simulator, tls] = await Promise.all([
    createLocalSimulator({ apiKey: options.apiKey, resolvers: options.resolvers, logger: options.logger }),
    provideLocalTls(options.tlsDir),
  ]);
  const authenticator: Authenticator = { apiKey: options.apiKey, issuer: options.issuer, iamCredentials: options.iamCredentials };
  const realtime = new LocalRealtime({ schema: simulator.schema, appSyncConfig: simulator.appSyncConfig, authenticator, logger: options.logger });
  const explorer = { graphqlPath: GRAPHQL_PATH, realtimePath: REALTIME_PATH, defaultQuery: EXPLORER_QUERY, identities: () => explorerIdentities(options) };

  const serve = (request: IncomingMessage, response: ServerResponse) => {
    handleRequest(request, response).catch((error: unknown) => {
      options.logger.error('The local endpoint failed to answer', { url: request.url, error: error instanceof Error ? error.message : String(error) });
      if (!response.headersSent) answer(response, 500, { errors: [{ errorType: 'InternalFailureException', message: 'The local endpoint failed; see its log.' }] });
    });
  };
  const handleRequest = async (request: IncomingMessage, response: ServerResponse) => {
    const path = new URL(request.url ?? '/', 'http://localhost').pathname;
    if ((request.method === 'GET' || request.method === 'HEAD') && (await handleExplorerRequest(request, response, explorer))) return;
    if (path !== GRAPHQL_PATH) return answer(response, 404, { errors: [{ errorType: 'NotFound', message: `Nothing is served at ${path}: the API is POST ${GRAPHQL_PATH}, the explorer is /.` }] });
    if (request.method === 'OPTIONS') return simulator.handleGraphqlRequest(request, response);
    if (request.method !== 'POST') {
      response.setHeader('allow', 'POST');
      return answer(response, 405, { errors: [{ errorType: 'MethodNotAllowed', message: 'The GraphQL API accepts POST only, as AppSync does (send queries as POST, not GET).' }] });
    }
    const refusal = await refusalOf(request, await readRequestBody(request));
    if (refusal) {
      options.logger.info('Request refused before any resolver ran', { status: refusal.status, error: refusal.body.errors[0]?.message });
      return answer(response, refusal.status, refusal.body);
    }
    simulator.handleGraphqlRequest(request, response);
  };
  /** Why AppSync would refuse the request before running it, or undefined; a request that passes carries its parsed body on. */
  const refusalOf = async (request: IncomingMessage, body: string): Promise<Refusal | undefined> => {
    let payload: { query?: unknown; operationName?: unknown };
    try {
      payload = JSON.parse(body) as typeof payload;
    } catch {
      return refused(400, 'MalformedHttpRequestException', 'Invalid JSON payload in POST request.');
    }
    try {
      await authenticate({ method: 'POST', url: request.url ?? GRAPHQL_PATH, headers: request.headers, body }, authenticator);
    } catch (error) {
      if (error instanceof AuthenticationError) return refused(401, error.name, error.message);
      throw error;
    }
    if (typeof payload.query !== 'string' || payload.query.trim() === '') return refused(400, 'MalformedHttpRequestException', 'The request has no query.');
    let document: DocumentNode;
    try {
      document = parse(payload.query);
    } catch (error) {
      return refused(400, 'GraphQLSyntaxError', error instanceof GraphQLError ? error.message : String(error));
    }
    const introspectionErrors = options.introspection === false ? introspectionRefusal(document) : undefined;
    if (introspectionErrors) {
      const errors = introspectionErrors.map((error) => ({ path: null, locations: (error.locations ?? []).map((at) => ({ ...at, sourceName: null })), message: error.message }));
      return { status: 200, body: { data: null, errors } };
    }
    // Express's body parser skips a request whose body is already read and parsed.
    Object.assign(request, { body: payload, _body: true });
    return undefined;
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

interface Refusal {
  readonly status: number;
  readonly body: { data?: null; errors: ({ errorType: string; message: string } | { message: string; path: null; locations: unknown[] })[] };
}

function refused(status: number, errorType: string, message: string): Refusal {
  return { status, body: { errors: [{ errorType, message }] } };
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

function answer(response: ServerResponse, status: number, body: unknown): void {
  response.writeHead(status, { 'content-type': 'application/json; charset=utf-8' });
  response.end(JSON.stringify(body));
}

/** Listens on loopback only; a port in use says how to pick another. */
async function listen(server: Server, port: number): Promise<Server> {
  await new Promise<void>((resolve, reject) => {
    server.once('error', (error: NodeJS.ErrnoException) =>
      reject(error.code === 'EADDRINUSE' ? new Error(`Port ${port} is in use: stop what listens there, or pick another port (npm start -- --port N; 0 picks a free one)`) : error),
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
