/** Messages between a function's host (main thread) and its sandbox (a worker thread). */

export interface SerializedError {
  readonly name: string;
  readonly message: string;
  readonly stack?: string;
}

/** The invocation's context, minus the methods (the sandbox rebuilds those). */
export interface InvocationContext {
  readonly awsRequestId: string;
  readonly functionName: string;
  readonly functionVersion: string;
  readonly invokedFunctionArn: string;
  readonly memoryLimitInMB: string;
  readonly logGroupName: string;
  readonly logStreamName: string;
  /** Epoch milliseconds at which the host kills the sandbox. */
  readonly deadline: number;
}

/** What the host gives a sandbox as it creates it: `createdAt`, the epoch ms (with fraction) it was created at. */
export interface SandboxData {
  readonly createdAt: number;
}

export type HostMessage = { readonly type: 'invoke'; readonly id: number; readonly event: unknown; readonly context: InvocationContext };

/**
 * `initMs`: from the host creating the thread to the entry loaded (Lambda's Init Duration); `durationMs`: the handler's run
 * (Lambda's Duration). Both measured inside the sandbox, so the hop between threads is not billed. `requests`: the
 * HTTP requests the invocation made (its SDK clients' calls to the local endpoints), counted for the bench.
 */
export type SandboxMessage =
  | { readonly type: 'ready'; readonly initMs: number }
  | { readonly type: 'init-error'; readonly error: SerializedError }
  | { readonly type: 'result'; readonly id: number; readonly result: unknown; readonly durationMs: number; readonly requests: number }
  | {
      readonly type: 'error';
      readonly id: number;
      readonly error: SerializedError;
      readonly durationMs: number;
      readonly requests: number;
    };

/** The epoch time in ms, to the fraction: comparable across threads, unlike each thread's performance.now(). */
export function epochNow(): number {
  return performance.timeOrigin + performance.now();
}

export function serializeError(thrown: unknown): SerializedError {
  if (thrown instanceof Error) return { name: thrown.name, message: thrown.message, stack: thrown.stack };
  return { name: 'Error', message: typeof thrown === 'string' ? thrown : JSON.stringify(thrown) };
}
