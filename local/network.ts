import { Server as HttpServerClass, type IncomingMessage, type Server as HttpServer, type ServerResponse } from 'node:http';
import { createServer, type AddressInfo } from 'node:net';

/** A port free on loopback right now. */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port'))));
    });
  });
}

/** A request's whole body as text; more than `maxBytes` is refused rather than buffered. */
export async function readRequestBody(request: IncomingMessage, maxBytes = 10 * 1024 * 1024): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of request as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > maxBytes) throw new Error('Request body too large');
    chunks.push(chunk);
  }
  return Buffer.concat(chunks).toString('utf8');
}

/** A local service's server listening on loopback (port 0: a free one), and its base URL. */
export async function listenOnLoopback(server: HttpServer, port = 0): Promise<string> {
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => resolve());
  });
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

/** Stops a local service at once: the functions' SDK clients keep connections alive, which close would otherwise wait for. */
export function closeNow(server: HttpServer): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    server.close((error) => (error ? reject(error) : resolve()));
    server.closeAllConnections();
  });
}

/**
 * Stands between a server and its handlers so that a store behind it (dynalite) is closed only once the requests it
 * has begun have answered: dynalite throws, uncaught, from a write that meets its closed database. Once closing
 * starts, a request arriving on a kept-alive connection is refused before the store sees it.
 */
export function inFlightRequests(server: HttpServer): {
  /**
   * Stops serving once the requests under way have answered, or `graceMs` passed. `closeStore` false: only the HTTP
   * server closes (http.Server's own close, not the store's override), so a request still running after the grace
   * finishes against a store that stays open until it is collected, rather than throwing out of the process.
   */
  closeWhenAnswered(graceMs: number, options: { closeStore: boolean }): Promise<void>;
} {
  const handlers = server.listeners('request') as ((request: IncomingMessage, response: ServerResponse) => void)[];
  server.removeAllListeners('request');
  let closing = false;
  let answering = 0;
  const waiting = new Set<() => void>();
  const answered = () => {
    answering -= 1;
    if (answering === 0) for (const resume of waiting) resume();
  };
  server.on('request', (request: IncomingMessage, response: ServerResponse) => {
    if (closing) {
      request.socket.destroy();
      return;
    }
    answering += 1;
    let done = false;
    const finish = () => {
      if (done) return;
      done = true;
      answered();
    };
    // Answered when the handler ends its response, not when the socket closes: a caller that went away (a function
    // stopped mid-write) closes it while the store is still writing.
    const end = response.end.bind(response) as (...args: unknown[]) => ServerResponse;
    response.end = ((...args: unknown[]) => {
      finish();
      return end(...args);
    }) as ServerResponse['end'];
    // A caller gone before its whole body arrived: the store never starts on that request.
    request.once('close', () => {
      if (!request.complete) finish();
    });
    for (const handler of handlers) handler.call(server, request, response);
  });
  const allAnswered = (graceMs: number) =>
    new Promise<void>((resolve) => {
      if (answering === 0) return resolve();
      const timer = setTimeout(resolve, graceMs);
      waiting.add(() => {
        clearTimeout(timer);
        resolve();
      });
    });
  return {
    async closeWhenAnswered(graceMs, { closeStore }) {
      closing = true;
      const close = closeStore ? server.close.bind(server) : HttpServerClass.prototype.close.bind(server);
      const closed = new Promise<void>((resolve, reject) => close((error?: Error) => (error ? reject(error) : resolve())));
      await allAnswered(graceMs);
      server.closeAllConnections();
      await closed;
    },
  };
}
