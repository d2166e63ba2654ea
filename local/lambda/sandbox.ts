import { subscribe } from 'node:diagnostics_channel';
import { parentPort, workerData } from 'node:worker_threads';
import type { Context } from 'aws-lambda';
import { epochNow, serializeError, type HostMessage, type InvocationContext, type SandboxData, type SandboxMessage } from './protocol';

type Handler = (event: unknown, context: Context, callback: (error?: unknown, result?: unknown) => void) => unknown;

/**
 * The Lambda runtime inside one sandbox (a worker thread): loads the entry module
 * once, as a cold start does, then runs one invocation at a time as the host sends
 * them. Bundled together with the entry by `buildFunctionBundles`; `loadEntry` is
 * the entry's `require`, so a module-load failure is reported as an init error.
 */
export function serve(loadEntry: () => unknown): void {
  const port = parentPort;
  if (!port) throw new Error('The Lambda sandbox runs in a worker thread');
  process.setSourceMapsEnabled(true);
  const post = (message: SandboxMessage) => port.postMessage(message);

  let handler: Handler;
  try {
    const loaded = loadEntry() as { handler?: unknown };
    if (typeof loaded.handler !== 'function') throw new Error('The entry module does not export a function named handler');
    handler = loaded.handler as Handler;
  } catch (error) {
    post({ type: 'init-error', error: serializeError(error) });
    return;
  }

  // Every HTTP request the SDK clients make starts on this channel: one invocation runs at a time, so the count between
  // its start and its end is its own.
  let requestsMade = 0;
  subscribe('http.client.request.start', () => void (requestsMade += 1));
  port.on('message', (message: HostMessage) => {
    const started = performance.now();
    const requestsBefore = requestsMade;
    const durationMs = () => performance.now() - started;
    const requests = () => requestsMade - requestsBefore;
    void invoke(handler, message.event, message.context)
      // Lambda hands the caller the result as JSON: what does not survive JSON does not arrive.
      .then((result) => <unknown>JSON.parse(JSON.stringify(result ?? null)))
      .then(
        (result) => post({ type: 'result', id: message.id, result, durationMs: durationMs(), requests: requests() }),
        (error: unknown) =>
          post({ type: 'error', id: message.id, error: serializeError(error), durationMs: durationMs(), requests: requests() }),
      );
  });
  // From the host's creating the thread (its epoch time in workerData) to the entry loaded: Lambda's INIT.
  const { createdAt } = workerData as SandboxData;
  post({ type: 'ready', initMs: epochNow() - createdAt });
}

function invoke(handler: Handler, event: unknown, invocation: InvocationContext): Promise<unknown> {
  return new Promise((resolve, reject) => {
    const { deadline, ...fields } = invocation;
    const context: Context = {
      ...fields,
      callbackWaitsForEmptyEventLoop: true,
      getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()),
      done: (error, result) => (error ? reject(asError(error)) : resolve(result)),
      fail: (error) => reject(asError(error)),
      succeed: (result: unknown) => resolve(result),
    };
    // Lambda's per-invocation trace header; Powertools reads it when present.
    process.env._X_AMZN_TRACE_ID = `Root=1-${Math.floor(Date.now() / 1000).toString(16)}-${invocation.awsRequestId.replaceAll('-', '').slice(0, 24)};Sampled=0`;
    const fail = (error: unknown) => reject(asError(error));
    try {
      const returned = handler(event, context, (error, result) => (error ? fail(error) : resolve(result)));
      if (isThenable(returned)) returned.then(resolve, fail);
    } catch (error) {
      fail(error);
    }
  });
}

/** Lambda reports whatever a handler fails with; a non-Error becomes an Error with it as the message. */
function asError(thrown: unknown): Error {
  return thrown instanceof Error ? thrown : new Error(typeof thrown === 'string' ? thrown : JSON.stringify(thrown));
}

function isThenable(value: unknown): value is PromiseLike<unknown> {
  return typeof value === 'object' && value !== null && typeof (value as { then?: unknown }).then === 'function';
}
