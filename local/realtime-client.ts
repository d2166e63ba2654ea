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
export async function connectRealtime(target: RealtimeTarget, authorization: RealtimeAuthorization, timeoutMs = DEFAULT_TIMEOUT_MS): Promise<RealtimeConnection> {
  const auth = { host: new URL(target.graphqlUrl).host, ...authorization };
  const header = Buffer.from(JSON.stringify(auth)).toString('base64');
  const socket = new WebSocket(`${target.realtimeUrl}?header=${encodeURIComponent(header)}&payload=e30=`, ['graphql-ws']);
  const pending = new Map<string, { resolve: (id: string) => void; reject: (error: Error) => void; timer: NodeJS.Timeout }>();
  const listeners = new Map<string, (data: unknown) => void>();
  let nextId = 1;

  const failAll = (reason: string) => {
    for (const [id, waiting] of pending) {
      clearTimeout(waiting.timer);
      waiting.reject(new Error(`Subscription ${id} failed: ${reason}`));
    }
    pending.clear();
  };

  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => fail(`no connection_ack within ${timeoutMs / 1000} s`), timeoutMs);
    const fail = (reason: string) => {
      clearTimeout(timer);
      socket.terminate();
      reject(new Error(`The realtime connection to ${target.realtimeUrl} failed: ${reason}`));
    };
    socket.once('error', (error) => fail(error.message));
    socket.once('unexpected-response', (_request, response) => fail(`HTTP ${response.statusCode}`));
    socket.once('close', (code) => fail(`closed with code ${code}`));
    socket.once('open', () => socket.send(JSON.stringify({ type: 'connection_init' })));
    socket.on('message', function awaitAck(data: Buffer) {
      const message = JSON.parse(data.toString('utf8')) as RealtimeMessage;
      if (message.type === 'connection_ack') {
        clearTimeout(timer);
        socket.off('message', awaitAck);
        socket.removeAllListeners('close').removeAllListeners('error');
        resolve();
      } else if (message.type === 'connection_error') fail(JSON.stringify(message.payload));
    });
  });

  socket.on('error', (error) => failAll(error.message));
  socket.on('close', (code) => failAll(`the connection closed (${code})`));
  socket.on('message', (data: Buffer) => {
    const message = JSON.parse(data.toString('utf8')) as RealtimeMessage;
    const id = message.id ?? '';
    if (message.type === 'start_ack') {
      const waiting = pending.get(id);
      pending.delete(id);
      clearTimeout(waiting?.timer);
      waiting?.resolve(id);
    } else if (message.type === 'data') {
      listeners.get(id)?.(message.payload?.data);
    } else if (message.type === 'error') {
      const waiting = pending.get(id);
      pending.delete(id);
      listeners.delete(id);
      clearTimeout(waiting?.timer);
      waiting?.reject(new Error(`Subscription ${id} was refused: ${JSON.stringify(message.payload)}`));
    }
  });

  return {
    subscribe: <Data>(request: GraphqlRequest, onData: (data: Data) => void) =>
      new Promise<string>((resolve, reject) => {
        const id = String(nextId++);
        const timer = setTimeout(() => {
          pending.delete(id);
          reject(new Error(`Subscription ${id} was not acknowledged within ${timeoutMs / 1000} s`));
        }, timeoutMs);
        pending.set(id, { resolve, reject, timer });
        listeners.set(id, onData as (data: unknown) => void);
        socket.send(JSON.stringify({ id, type: 'start', payload: { data: JSON.stringify(request), extensions: { authorization: auth } } }));
      }),
    unsubscribe: (id) => {
      listeners.delete(id);
      if (socket.readyState === WebSocket.OPEN) socket.send(JSON.stringify({ id, type: 'stop' }));
    },
    close: () =>
      new Promise<void>((resolve) => {
        failAll('the connection was closed by the client');
        if (socket.readyState === WebSocket.CLOSED) return resolve();
        socket.once('close', () => resolve());
        socket.close();
      }),
  };
}
