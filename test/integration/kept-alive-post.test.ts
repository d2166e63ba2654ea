import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { postKeptAlive } from '../../core/adapters/kept-alive-post';

/**
 * A loopback HTTP server that answers each POST with what it was sent; told to, it drops a
 * connection that comes back for a second request without answering (as when it timed out the
 * idle connection just as the client reused it), or reads a request whole on a new connection
 * and resets it instead of answering (the request arrived; the answer is lost).
 */
async function echoServer(): Promise<{
  url: URL;
  received: string[];
  sockets: Set<Socket>;
  server: Server;
  dropReusedConnections: boolean;
  resetAfterReading: boolean;
}> {
  const received: string[] = [];
  const sockets = new Set<Socket>();
  const served = new WeakSet<Socket>();
  const echo = { received, sockets, dropReusedConnections: false, resetAfterReading: false };
  const server = createServer((request: IncomingMessage, response) => {
    if (echo.dropReusedConnections && served.has(request.socket)) return void request.socket.destroy();
    served.add(request.socket);
    let body = '';
    request.on('data', (chunk: Buffer) => (body += chunk.toString('utf8')));
    request.on('end', () => {
      received.push(body);
      if (echo.resetAfterReading) return void request.socket.resetAndDestroy();
      response.setHeader('content-type', 'application/json');
      response.end(JSON.stringify({ echoed: JSON.parse(body) as unknown }));
    });
  });
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return Object.assign(echo, { url: new URL(`http://127.0.0.1:${(server.address() as AddressInfo).port}/graphql`), server });
}

const post = (url: URL, value: number) =>
  postKeptAlive(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ value }),
    signal: AbortSignal.timeout(2_000),
  });

describe('a JSON POST over kept-alive connections (the completion worker to AppSync, the bench to the API)', () => {
  let echo: Awaited<ReturnType<typeof echoServer>>;
  beforeEach(async () => (echo = await echoServer()));
  afterEach(async () => {
    echo.server.closeAllConnections();
    await new Promise((resolve) => echo.server.close(resolve));
  });

  it('given two POSTs in turn, when answered, then each gets its own answer over one connection', async () => {
    const first = await post(echo.url, 1);
    const second = await post(echo.url, 2);

    expect([first.status, first.ok, await first.json()]).toEqual([200, true, { echoed: { value: 1 } }]);
    expect(await second.json()).toEqual({ echoed: { value: 2 } });
    expect(echo.sockets.size).toBe(1);
  });

  it('given the server drops the kept-alive connection as it is reused, when posting again, then the POST is sent once more on a new one and answered', async () => {
    await post(echo.url, 1);
    echo.dropReusedConnections = true;

    const again = await post(echo.url, 2);

    expect(await again.json()).toEqual({ echoed: { value: 2 } });
    expect(echo.received).toEqual(['{"value":1}', '{"value":2}']);
  });

  it('given a new connection reset after the server read the POST, when posting, then the error reaches the caller and the POST was sent once', async () => {
    // Given a server that reads each request whole and resets the connection instead of answering
    echo.resetAfterReading = true;

    // When posting on a connection used for the first time
    const posting = post(echo.url, 1);

    // Then the reset is the caller's to handle: resending could make AppSync push a change twice
    await expect(posting).rejects.toMatchObject({ code: 'ECONNRESET' });
    expect(echo.received).toEqual(['{"value":1}']);
  });
});
