import { mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildFunctionBundles, LocalFunction } from '../../local/lambda/host';
import { LambdaUsage, platformLogBytes } from '../../local/lambda/lambda-usage';
import { silentSink } from '../../local/log';

const ENTRY = 'test/support/lambda-entries/napping-handler.ts';
const REQUESTING_ENTRY = 'test/support/lambda-entries/requesting-handler.ts';
const LOGGED_LINE = (napMs: number) => JSON.stringify({ level: 'INFO', message: 'napping', napMs });

describe('the local Lambda meters what Lambda bills a function', () => {
  let dir: string;
  let bundle: string;
  let requestingBundle: string;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'lambda-usage-'));
    const bundles = await buildFunctionBundles([ENTRY, REQUESTING_ENTRY], dir);
    [bundle, requestingBundle] = [bundles.get(ENTRY)!, bundles.get(REQUESTING_ENTRY)!];
  });

  afterAll(() => rm(dir, { recursive: true, force: true }));

  it('bills each invocation its handler time rounded up, one fresh start, and every line logged', async () => {
    // Given a function of 512 MB that reads a database secret in AWS, in one sandbox
    const usage = new LambdaUsage();
    const fn = new LocalFunction(
      { name: 'napper', entry: ENTRY, environment: {}, maxConcurrency: 1, timeoutSeconds: 5 },
      bundle,
      silentSink,
      usage.meter('napper', 512, true),
    );
    let firstAnsweredInMs = 0;
    try {
      // When it is invoked twice, napping 30 and 50 ms, the first starting its sandbox
      const started = performance.now();
      await fn.invoke({ napMs: 30 });
      firstAnsweredInMs = performance.now() - started;
      await fn.invoke({ napMs: 50 });
      // Give the last log line time to cross from the sandbox's thread.
      await new Promise((resolve) => setTimeout(resolve, 50));
    } finally {
      await fn.stop();
    }
    const napper = usage.snapshot()['napper']!;
    // Then two invocations of at least their naps are billed, after one fresh start that read the secret once
    expect(napper).toMatchObject({ memoryMB: 512, invocations: 2, freshStarts: 1, secretReads: 1 });
    expect(napper.billedMs).toBeGreaterThanOrEqual(80);
    expect(napper.billedMs).toBeLessThan(80 + 2 * 200);
    // And the fresh start's INIT took part of the time the first answer took, not more
    expect(napper.initMs).toBeGreaterThan(0);
    expect(napper.initMs).toBeLessThan(firstAnsweredInMs);
    // And its log bytes are its two lines plus Lambda's START, END and REPORT lines of each invocation
    const ownLines = LOGGED_LINE(30).length + LOGGED_LINE(50).length;
    const platformLines = 2 * platformLogBytes('00000000-0000-0000-0000-000000000000', 30, 512);
    expect(napper.logBytes).toBeGreaterThanOrEqual(ownLines + platformLines);
  });

  it('counts the HTTP requests each invocation makes, as its SDK clients make them to the local endpoints', async () => {
    // Given an endpoint, and a function that calls it as often as its event says
    const endpoint = createServer((_request, response) => response.end('{}'));
    await new Promise<void>((resolve) => endpoint.listen(0, '127.0.0.1', resolve));
    const { port } = endpoint.address() as { port: number };
    const usage = new LambdaUsage();
    const fn = new LocalFunction(
      { name: 'caller', entry: REQUESTING_ENTRY, environment: {}, maxConcurrency: 1, timeoutSeconds: 5 },
      requestingBundle,
      silentSink,
      usage.meter('caller', 512, false),
    );
    try {
      // When it is invoked twice, calling the endpoint 3 and then 2 times
      await fn.invoke({ url: `http://127.0.0.1:${port}/`, times: 3 });
      await fn.invoke({ url: `http://127.0.0.1:${port}/`, times: 2 });
    } finally {
      await fn.stop();
      endpoint.close();
    }
    // Then its usage counts the five requests
    expect(usage.snapshot()['caller']).toMatchObject({ invocations: 2, requests: 5 });
  });
});
