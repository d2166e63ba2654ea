import type { IncomingMessage, Server as HttpServer, ServerResponse } from 'node:http';
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
 * Counts the requests a server is answering, so that a store behind it (dynalite) is closed only once the
 * writes it has begun have answered: closing it under a write in flight throws from inside the store.
 */
export function inFlightRequests(server: HttpServer): { closeWhenAnswered(graceMs: number): Promise<void> } {
  let answering = 0;
  const waiting = new Set<() => void>();
  server.prependListener('request', (_request: IncomingMessage, response: ServerResponse) => {
    answering += 1;
    // Answered when the handler ends its response, not when the socket closes: a caller that went away (a function
    // stopped mid-write) closes it while the store is still writing.
    let done = false;
    const end = response.end.bind(response) as (...args: unknown[]) => ServerResponse;
    response.end = ((...args: unknown[]) => {
      if (!done) {
        done = true;
        answering -= 1;
        if (answering === 0) for (const resume of waiting) resume();
      }
      return end(...args);
    }) as ServerResponse['end'];
  });
  const answered = (graceMs: number) =>
    new Promise<void>((resolve) => {
      if (answering === 0) return resolve();
      const timer = setTimeout(resolve, graceMs);
      waiting.add(() => {
        clearTimeout(timer);
        resolve();
      });
    });
  return {
    async closeWhenAnswered(graceMs) {
      const closed = new Promise<void>((resolve, reject) => server.close((error) => (error ? reject(error) : resolve())));
      await answered(graceMs);
      server.closeAllConnections();
      await closed;
    },
  };
}
