import type { IncomingHttpHeaders, IncomingMessage, Server } from 'node:http';
import type { Duplex } from 'node:stream';
import { GraphQLError } from 'graphql';
import { WebSocketServer, type WebSocket } from 'ws';
import type { LocalLogger } from '../log';
import type { AppSyncMeter } from './appsync-usage';
import { authenticate, AuthenticationError, type AuthenticatedCaller, type Authenticator } from './authentication';
import type { AppSyncAnswer, GraphqlRequest, LocalExecutor } from './executor';

/**
 * AppSync's realtime protocol (subprotocol `graphql-ws`), as real clients dial it:
 * auth in the `header` query parameter (Apollo's aws-appsync-subscription-link) or
 * in a `header-<base64url>` subprotocol (Amplify JS v6), checked on connect and
 * again on every `start`, as AppSync does. Subscriptions run on the local executor,
 * so the subscription's resolver (the owner check) runs at subscribe time and
 * published changes reach only the subscribers whose arguments they match.
 */
export const REALTIME_PATH = '/graphql/realtime';
const PROTOCOL = 'graphql-ws';
/** AppSync's: a client that hears nothing for this long reconnects. */
const CONNECTION_TIMEOUT_MS = 300_000;
const KEEP_ALIVE_MS = 60_000;

interface RealtimeOptions {
  readonly executor: LocalExecutor;
  readonly authenticator: Authenticator;
  readonly logger: LocalLogger;
  /** Where pushes and connection-minutes are counted (local/appsync/appsync-usage.ts). */
  readonly meter?: AppSyncMeter;
}

interface StartMessage {
  readonly id: string;
  readonly payload?: { readonly data?: string; readonly extensions?: { readonly authorization?: Record<string, string> } };
}

export class LocalRealtime {
  private readonly sockets = new WebSocketServer({
    noServer: true,
    handleProtocols: (offered) => (offered.has(PROTOCOL) ? PROTOCOL : false),
  });

  constructor(private readonly options: RealtimeOptions) {}

  /** Serves the realtime path of this server's websocket upgrades. */
  attach(server: Server): void {
    server.on('upgrade', (request: IncomingMessage, socket: Duplex, head: Buffer) => {
      if (new URL(request.url ?? '/', 'http://localhost').pathname !== REALTIME_PATH) {
        socket.destroy();
        return;
      }
      this.sockets.handleUpgrade(request, socket, head, (webSocket) => new RealtimeConnection(webSocket, request, this.options).open());
    });
  }

  async close(): Promise<void> {
    for (const client of this.sockets.clients) client.terminate();
    await new Promise((resolve) => this.sockets.close(resolve));
  }
}

class RealtimeConnection {
  private readonly subscriptions = new Map<string, AsyncIterator<AppSyncAnswer>>();
  private keepAlive: NodeJS.Timeout | undefined;
  private disconnected?: () => void;

  constructor(
    private readonly socket: WebSocket,
    private readonly request: IncomingMessage,
    private readonly options: RealtimeOptions,
  ) {}

  open(): void {
    this.disconnected = this.options.meter?.connected();
    this.socket.on(
      'message',
      (data: Buffer) =>
        void this.onMessage(data.toString('utf8')).catch((error: unknown) =>
          this.send({ type: 'error', payload: { errors: [errorOf(error)] } }),
        ),
    );
    this.socket.on('close', () => this.closed());
  }

  private async onMessage(text: string): Promise<void> {
    const message = JSON.parse(text) as { type?: string } & StartMessage;
    switch (message.type) {
      case 'connection_init':
        return this.init();
      case 'start':
        return this.start(message);
      case 'stop':
        return this.stop(message.id);
      default:
        this.send({
          type: 'error',
          payload: { errors: [{ errorType: 'UnsupportedOperation', message: `Unknown message type ${String(message.type)}` }] },
        });
    }
  }

  /** The connection's own auth (from the URL or the subprotocol) must hold before anything is acknowledged. */
  private async init(): Promise<void> {
    try {
      await authenticate(
        { method: 'POST', url: '/graphql', headers: connectionAuthHeaders(this.request), body: '{}' },
        this.options.authenticator,
      );
    } catch (error) {
      this.send({ type: 'connection_error', payload: { errors: [errorOf(error)] } });
      this.socket.close(1000);
      return;
    }
    this.send({ type: 'connection_ack', payload: { connectionTimeoutMs: CONNECTION_TIMEOUT_MS } });
    this.keepAlive = setInterval(() => this.send({ type: 'ka' }), KEEP_ALIVE_MS);
  }

  private async start({ id, payload }: StartMessage): Promise<void> {
    // A start that reuses a running subscription's id replaces it.
    if (this.subscriptions.has(id)) await this.stop(id);
    const headers = (payload?.extensions?.authorization ?? {}) as IncomingHttpHeaders;
    const data = payload?.data ?? '';
    let request: GraphqlRequest;
    let caller: AuthenticatedCaller;
    try {
      caller = await authenticate({ method: 'POST', url: '/graphql', headers, body: data }, this.options.authenticator);
      const { query, variables, operationName } = JSON.parse(data) as {
        query: string;
        variables?: Record<string, unknown>;
        operationName?: string;
      };
      request = { document: this.options.executor.parse(query), variables, operationName };
    } catch (error) {
      return void this.send({ type: 'error', id, payload: { errors: [errorOf(error)] } });
    }
    const invalid = this.options.executor.validationRefusal(request.document);
    const outcome = invalid
      ? { refused: invalid }
      : await this.options.executor.subscribe(request, { caller, headers, sourceIp: this.request.socket.remoteAddress ?? '127.0.0.1' });
    if ('refused' in outcome) {
      this.options.logger.info('Subscription refused', { id, errors: outcome.refused.errors?.map((error) => error.message) });
      return void this.send({ type: 'error', id, payload: { errors: outcome.refused.errors ?? [] } });
    }
    const events = outcome.events[Symbol.asyncIterator]();
    this.subscriptions.set(id, events);
    this.send({ type: 'start_ack', id });
    for await (const event of { [Symbol.asyncIterator]: () => events }) {
      const bytes = this.send({ type: 'data', id, payload: event });
      if (bytes !== undefined) this.options.meter?.pushed(bytes);
    }
  }

  private async stop(id: string): Promise<void> {
    await this.subscriptions.get(id)?.return?.();
    this.subscriptions.delete(id);
    this.send({ type: 'complete', id });
  }

  private closed(): void {
    this.disconnected?.();
    clearInterval(this.keepAlive);
    for (const iterator of this.subscriptions.values()) void iterator.return?.();
    this.subscriptions.clear();
  }

  /** Sends the message if the socket is open; returns its bytes then. */
  private send(message: Record<string, unknown>): number | undefined {
    if (this.socket.readyState !== this.socket.OPEN) return undefined;
    const json = JSON.stringify(message);
    this.socket.send(json);
    return Buffer.byteLength(json, 'utf8');
  }
}

/** The auth headers a client put on the connection: `?header=<base64 JSON>` or the `header-<base64url>` subprotocol. */
export function connectionAuthHeaders(request: IncomingMessage): IncomingHttpHeaders {
  const fromQuery = new URL(request.url ?? '/', 'http://localhost').searchParams.get('header');
  const fromProtocol = String(request.headers['sec-websocket-protocol'] ?? '')
    .split(',')
    .map((protocol) => protocol.trim())
    .find((protocol) => protocol.startsWith('header-'))
    ?.slice('header-'.length);
  const encoded = fromQuery ?? fromProtocol;
  if (!encoded) return {};
  try {
    return JSON.parse(Buffer.from(encoded, 'base64url').toString('utf8')) as IncomingHttpHeaders;
  } catch {
    return {};
  }
}

function errorOf(error: unknown): { errorType: string; message: string } {
  if (error instanceof AuthenticationError) return { errorType: error.name, message: error.message };
  if (error instanceof GraphQLError || error instanceof SyntaxError)
    return { errorType: 'MalformedHttpRequestException', message: error.message };
  return { errorType: 'InternalFailure', message: error instanceof Error ? error.message : String(error) };
}
