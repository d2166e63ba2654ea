import WebSocket from 'ws';

/**
 * A client of AppSync's realtime websocket protocol (`graphql-ws` subprotocol, auth in the
 * `header` query parameter), as Apollo's `aws-appsync-subscription-link` dials it. The same
 * client reaches the local stack (`ws://…/graphql/realtime`) and a deployed API
 * (`wss://<id>.appsync-realtime-api.<region>.amazonaws.com/graphql`): AppSync documents the
 * protocol in "Building a real-time WebSocket client".
 */
export interface RealtimeTarget {
  /** The websocket endpoint. */
  readonly realtimeUrl: string;
  /** The GraphQL endpoint: its host is what AppSync expects in the auth header. */
  readonly graphqlUrl: string;
}

/** How the connection and each subscription authenticate: the API key, or a user pool token. */
export type RealtimeAuthorization = { readonly 'x-api-key': string } | { readonly Authorization: string };

export interface GraphqlRequest {
  readonly query: string;
  readonly variables?: Record<string, unknown>;
}

export interface RealtimeConnection {
  /** Starts a subscription; resolves once AppSync acknowledges it (nothing published afterwards is missed), rejects with its error. */
  subscribe<Data>(request: GraphqlRequest, onData: (data: Data) => void): Promise<string>;
  /** Stops one subscription. */
  unsubscribe(id: string): void;
  close(): Promise<void>;
}

interface RealtimeMessage {
  readonly type: string;
  readonly id?: string;
  readonly payload?: { readonly data?: unknown; readonly errors?: unknown };
}

const DEFAULT_TIMEOUT_MS = 10_000;

/** Opens one connection (connection_init → connection_ack); subscriptions share it. */
export async function connectRealtime(
  target: RealtimeTarget,
  authorization: RealtimeAuthorization,
  timeoutMs = DEFAULT_TIMEOUT_MS,
): Promise<RealtimeConnection> {
  const auth = { host: new URL(target.graphqlUrl).host, ...authorization };
  const header = Buffer.from(JSON.stringify(auth)).toString('base64');
  const socket = new WebSocket(`${target.realtimeUrl}?header=${encodeURIComponent(header)}&payload=e30=`, ['graphql-ws']);
  await acknowledged(socket, target.realtimeUrl, timeoutMs);
  return new SharedConnection(socket, auth, timeoutMs);
}

/** Sends connection_init once the socket opens; resolves on connection_ack, else drops the socket and rejects with why. */
function acknowledged(socket: WebSocket, realtimeUrl: string, timeoutMs: number): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => fail(`no connection_ack within ${timeoutMs / 1000} s`), timeoutMs);
    const fail = (reason: string) => {
      clearTimeout(timer);
      socket.terminate();
      reject(new Error(`The realtime connection to ${realtimeUrl} failed: ${reason}`));
    };
    socket.once('error', (error) => fail(error.message));
    socket.once('unexpected-response', (_request, response) => fail(`HTTP ${response.statusCode}`));
    socket.once('close', (code) => fail(`closed with code ${code}`));
    socket.once('open', () => socket.send(JSON.stringify({ type: 'connection_init' })));
    socket.on('message', function awaitAck(data: Buffer) {
      const message = JSON.parse(data.toString('utf8')) as RealtimeMessage;
      if (message.type === 'connection_ack') {
        clearTimeout(timer);
        // The connection's own listeners take over from here.
        socket.off('message', awaitAck);
        socket.removeAllListeners('close').removeAllListeners('error');
        resolve();
      } else if (message.type === 'connection_error') fail(JSON.stringify(message.payload));
    });
  });
}

/** A subscription on the connection: whom its data goes to, and, until AppSync answers its start, who waits for that. */
interface Subscription {
  readonly onData: (data: unknown) => void;
  acknowledgement?: { readonly resolve: (id: string) => void; readonly reject: (error: Error) => void; readonly timer: NodeJS.Timeout };
}

/** An acknowledged connection and its subscriptions, which it alone keeps: who waits for a start_ack, whom each `data` goes to. */
class SharedConnection implements RealtimeConnection {
  private readonly subscriptions = new Map<string, Subscription>();
  private nextId = 1;

  constructor(
    private readonly socket: WebSocket,
    private readonly auth: Readonly<Record<string, string>>,
    private readonly timeoutMs: number,
  ) {
    socket.on('error', (error) => this.failUnacknowledged(error.message));
    socket.on('close', (code) => this.failUnacknowledged(`the connection closed (${code})`));
    socket.on('message', (data: Buffer) => this.receive(JSON.parse(data.toString('utf8')) as RealtimeMessage));
  }

  subscribe<Data>(request: GraphqlRequest, onData: (data: Data) => void): Promise<string> {
    const id = String(this.nextId++);
    return new Promise<string>((resolve, reject) => {
      const timer = setTimeout(
        () => this.forget(id, new Error(`Subscription ${id} was not acknowledged within ${this.timeoutMs / 1000} s`)),
        this.timeoutMs,
      );
      this.subscriptions.set(id, { onData: onData as (data: unknown) => void, acknowledgement: { resolve, reject, timer } });
      this.socket.send(
        JSON.stringify({ id, type: 'start', payload: { data: JSON.stringify(request), extensions: { authorization: this.auth } } }),
      );
    });
  }

  unsubscribe(id: string): void {
    this.forget(id, new Error(`Subscription ${id} was stopped before it was acknowledged`));
    if (this.socket.readyState === WebSocket.OPEN) this.socket.send(JSON.stringify({ id, type: 'stop' }));
  }

  close(): Promise<void> {
    return new Promise<void>((resolve) => {
      this.failUnacknowledged('the connection was closed by the client');
      if (this.socket.readyState === WebSocket.CLOSED) return resolve();
      this.socket.once('close', () => resolve());
      this.socket.close();
    });
  }

  private receive(message: RealtimeMessage): void {
    const id = message.id ?? '';
    if (message.type === 'start_ack') this.acknowledge(id);
    else if (message.type === 'data') this.subscriptions.get(id)?.onData(message.payload?.data);
    else if (message.type === 'error') this.forget(id, new Error(`Subscription ${id} was refused: ${JSON.stringify(message.payload)}`));
  }

  private acknowledge(id: string): void {
    const subscription = this.subscriptions.get(id);
    const waiting = subscription?.acknowledgement;
    if (!subscription || !waiting) return;
    clearTimeout(waiting.timer);
    subscription.acknowledgement = undefined;
    waiting.resolve(id);
  }

  /** No more data for `id`; whoever still waits for its acknowledgement gets `error`. */
  private forget(id: string, error: Error): void {
    const waiting = this.subscriptions.get(id)?.acknowledgement;
    this.subscriptions.delete(id);
    if (!waiting) return;
    clearTimeout(waiting.timer);
    waiting.reject(error);
  }

  /** The connection is gone: a subscription not yet acknowledged never will be. */
  private failUnacknowledged(reason: string): void {
    for (const [id, subscription] of this.subscriptions) {
      if (subscription.acknowledgement) this.forget(id, new Error(`Subscription ${id} failed: ${reason}`));
    }
  }
}
