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

export type HostMessage = { readonly type: 'invoke'; readonly id: number; readonly event: unknown; readonly context: InvocationContext };

export type SandboxMessage =
  | { readonly type: 'ready' }
  | { readonly type: 'init-error'; readonly error: SerializedError }
  | { readonly type: 'result'; readonly id: number; readonly result: unknown }
  | { readonly type: 'error'; readonly id: number; readonly error: SerializedError };

export function serializeError(thrown: unknown): SerializedError {
  if (thrown instanceof Error) return { name: thrown.name, message: thrown.message, stack: thrown.stack };
  return { name: 'Error', message: typeof thrown === 'string' ? thrown : JSON.stringify(thrown) };
}
