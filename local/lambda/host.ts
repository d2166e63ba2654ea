import { randomBytes, randomUUID } from 'node:crypto';
import { mkdir, writeFile } from 'node:fs/promises';
import { createRequire, isBuiltin } from 'node:module';
import { basename, join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { Worker } from 'node:worker_threads';
import { build, type Plugin } from 'esbuild';
import { LOCAL_ACCOUNT_ID } from '../aws-identity';
import type { LogSink } from '../log';
import type { FunctionMeter } from './lambda-usage';
import {
  epochNow,
  type HostMessage,
  type InvocationContext,
  type SandboxData,
  type SandboxMessage,
  type SerializedError,
} from './protocol';

/** A Lambda function as the local stack runs it: which entry, with which environment, how many at once. */
export interface FunctionDefinition {
  readonly name: string;
  /** Entry file relative to the repository root, as the topology names it. */
  readonly entry: string;
  /** The function's whole environment: a sandbox sees nothing of this process's. */
  readonly environment: Readonly<Record<string, string>>;
  /** Sandboxes at most; an invocation beyond that waits for one to be free. */
  readonly maxConcurrency: number;
  readonly timeoutSeconds: number;
}

const REPOSITORY_ROOT = resolve(__dirname, '..', '..');
/** The only version the local stack runs (no aliases, no published versions). */
const FUNCTION_VERSION = '$LATEST';

/**
 * Compiles each entry with the sandbox runtime into one CommonJS file (esbuild,
 * node20), loaded by every sandbox of every function built from that entry.
 * Returns entry → bundle path. Unlike `NodejsFunction`, packages stay outside the
 * bundle, required from node_modules by absolute path: building takes tens of
 * milliseconds instead of seconds and a sandbox starts faster (each still loads
 * its own module instances). Bundling the packages is checked by `cdk synth`.
 */
export async function buildFunctionBundles(entries: readonly string[], outDir: string): Promise<Map<string, string>> {
  const sourceDir = join(outDir, 'entries');
  await mkdir(sourceDir, { recursive: true });
  const sandbox = join(REPOSITORY_ROOT, 'local', 'lambda', 'sandbox.ts');
  const stubs = new Map<string, string>();
  for (const entry of new Set(entries)) {
    const stub = join(sourceDir, `${basename(entry).replace(/\.[cm]?[jt]s$/, '')}.js`);
    if ([...stubs.values()].includes(stub)) throw new Error(`Two entries bundle to ${stub}; give them different file names`);
    // The entry is required lazily, inside the runtime, so that a failing module load is an init error.
    await writeFile(stub, `require(${JSON.stringify(sandbox)}).serve(() => require(${JSON.stringify(join(REPOSITORY_ROOT, entry))}));\n`);
    stubs.set(entry, stub);
  }
  const bundleDir = join(outDir, 'bundles');
  const result = await build({
    entryPoints: [...stubs.values()],
    outdir: bundleDir,
    bundle: true,
    platform: 'node',
    target: 'node20',
    format: 'cjs',
    sourcemap: true,
    keepNames: true,
    logLevel: 'silent',
    absWorkingDir: REPOSITORY_ROOT,
    plugins: [packagesFromNodeModules],
  });
  for (const warning of result.warnings) process.stderr.write(`esbuild: ${warning.text}\n`);
  return new Map([...stubs].map(([entry, stub]) => [entry, join(bundleDir, basename(stub))]));
}

/** Leaves each package import as a require of the file Node would load from here, so the bundle runs from any directory. */
const packagesFromNodeModules: Plugin = {
  name: 'packages-from-node-modules',
  setup(pluginBuild) {
    pluginBuild.onResolve({ filter: /^[^./]/ }, (args) => {
      if (isBuiltin(args.path)) return { path: args.path, external: true };
      // Node's own resolution from the importing file's directory (not a test runner's require).
      return { path: createRequire(join(args.resolveDir, 'index.js')).resolve(args.path), external: true };
    });
  },
};

/** A function's error as its caller receives it: the name (AppSync's errorType) and the message. */
export class FunctionError extends Error {
  constructor(serialized: SerializedError) {
    super(serialized.message);
    // Own and enumerable, so a copy of the error (`{ ...error }`) keeps the name AppSync reports as errorType.
    Object.defineProperty(this, 'name', { value: serialized.name, enumerable: true, writable: true, configurable: true });
    if (serialized.stack) this.stack = serialized.stack;
  }
}

/**
 * One function: up to `maxConcurrency` sandboxes, each a worker thread with its
 * own module instance and its own environment, each running one invocation at a
 * time. A sandbox that times out or crashes is thrown away, as Lambda does.
 */
export class LocalFunction {
  private readonly idle: Sandbox[] = [];
  private readonly sandboxes = new Set<Sandbox>();
  private readonly waiting: { resolve: (sandbox: Sandbox) => void; reject: (error: Error) => void }[] = [];
  private stopped = false;

  constructor(
    readonly definition: FunctionDefinition,
    private readonly bundlePath: string,
    private readonly sink: LogSink,
    /** Where what Lambda would bill is counted (local/lambda/lambda-usage.ts). */
    private readonly meter?: FunctionMeter,
  ) {}

  get arn(): string {
    const region = this.definition.environment.AWS_REGION ?? 'us-east-1';
    return `arn:aws:lambda:${region}:${LOCAL_ACCOUNT_ID}:function:${this.definition.name}`;
  }

  /** Starts one sandbox ahead of the first invocation (what provisioned concurrency does). */
  async warm(): Promise<void> {
    // A stack that failed to start stops its functions while some are still to be warmed: no sandbox may outlive it.
    if (this.stopped || this.sandboxes.size > 0) return;
    const sandbox = this.createSandbox();
    try {
      await sandbox.ready;
      this.release(sandbox);
    } catch {
      // The first invocation starts a sandbox again and gets the init error, as in Lambda.
      this.discard(sandbox);
    }
  }

  async invoke(event: unknown): Promise<unknown> {
    const sandbox = await this.acquire();
    try {
      await sandbox.ready;
      return await sandbox.run(event, this.invocationContext(sandbox.logStreamName));
    } finally {
      if (sandbox.usable) this.release(sandbox);
      else this.discard(sandbox);
    }
  }

  async stop(): Promise<void> {
    this.stopped = true;
    for (const waiter of this.waiting.splice(0)) waiter.reject(new Error(`Function ${this.definition.name} is stopped`));
    await Promise.all([...this.sandboxes].map((sandbox) => sandbox.terminate()));
    this.sandboxes.clear();
    this.idle.length = 0;
  }

  private invocationContext(logStreamName: string): InvocationContext {
    const { name, timeoutSeconds, environment } = this.definition;
    return {
      awsRequestId: randomUUID(),
      functionName: name,
      functionVersion: FUNCTION_VERSION,
      invokedFunctionArn: this.arn,
      memoryLimitInMB: environment.AWS_LAMBDA_FUNCTION_MEMORY_SIZE ?? '128',
      logGroupName: `/aws/lambda/${name}`,
      logStreamName,
      deadline: Date.now() + timeoutSeconds * 1000,
    };
  }

  private acquire(): Promise<Sandbox> {
    if (this.stopped) return Promise.reject(new Error(`Function ${this.definition.name} is stopped`));
    const free = this.idle.pop();
    if (free) return Promise.resolve(free);
    if (this.sandboxes.size < this.definition.maxConcurrency) return Promise.resolve(this.createSandbox());
    return new Promise((resolve, reject) => this.waiting.push({ resolve, reject }));
  }

  private release(sandbox: Sandbox): void {
    const next = this.waiting.shift();
    if (next) next.resolve(sandbox);
    else this.idle.push(sandbox);
  }

  private discard(sandbox: Sandbox): void {
    this.sandboxes.delete(sandbox);
    void sandbox.terminate();
    // Someone waiting gets a fresh sandbox in place of the one thrown away.
    const next = this.waiting.shift();
    if (next && !this.stopped) next.resolve(this.createSandbox());
  }

  private createSandbox(): Sandbox {
    const sandbox = new Sandbox(this.bundlePath, this.definition, this.sink, this.meter);
    this.sandboxes.add(sandbox);
    return sandbox;
  }
}

/** One worker thread running the bundle: a Lambda execution environment. */
class Sandbox {
  readonly ready: Promise<void>;
  /** As in Lambda, one log stream per execution environment: its invocations' context names it. */
  readonly logStreamName = logStreamNameOf(FUNCTION_VERSION, new Date());
  private readonly worker: Worker;
  private nextId = 1;
  private current?: { id: number; requestId: string; resolve: (value: unknown) => void; reject: (error: Error) => void };
  private failed = false;
  /** The INIT duration, until the first invocation's REPORT line has carried it. */
  private unreportedInitMs?: number;

  constructor(
    bundlePath: string,
    private readonly definition: FunctionDefinition,
    sink: LogSink,
    private readonly meter?: FunctionMeter,
  ) {
    const data: SandboxData = { createdAt: epochNow() };
    this.worker = new Worker(bundlePath, {
      workerData: data,
      env: { ...definition.environment, AWS_LAMBDA_LOG_STREAM_NAME: this.logStreamName },
      stdout: true,
      stderr: true,
    });
    for (const stream of [this.worker.stdout, this.worker.stderr]) {
      createInterface({ input: stream, crlfDelay: Infinity }).on('line', (line) => {
        meter?.logged(line);
        sink(line);
      });
    }
    this.ready = new Promise<void>((resolveReady, rejectReady) => {
      this.worker.on('message', (message: SandboxMessage) => {
        switch (message.type) {
          case 'ready':
            this.unreportedInitMs = message.initMs;
            meter?.started(message.initMs);
            return resolveReady();
          case 'init-error':
            this.failed = true;
            return rejectReady(new FunctionError(message.error));
          case 'result':
            return this.settle(message, (pending) => pending.resolve(message.result));
          case 'error':
            return this.settle(message, (pending) => pending.reject(new FunctionError(message.error)));
        }
      });
      const crash = (error: Error) => {
        this.failed = true;
        rejectReady(error);
        this.current?.reject(error);
        this.current = undefined;
      };
      this.worker.on('error', (error) =>
        crash(
          new FunctionError({ name: 'Runtime.ExitError', message: `${definition.name} crashed: ${error.message}`, stack: error.stack }),
        ),
      );
      this.worker.on('exit', (code) =>
        crash(new FunctionError({ name: 'Runtime.ExitError', message: `${definition.name} exited with code ${code}` })),
      );
    });
    // Only an invocation observes a failed start; keep an unobserved one from being "unhandled".
    this.ready.catch(() => undefined);
  }

  get usable(): boolean {
    return !this.failed;
  }

  run(event: unknown, context: InvocationContext): Promise<unknown> {
    const id = this.nextId++;
    return new Promise((resolveRun, rejectRun) => {
      const timeoutMs = this.definition.timeoutSeconds * 1000;
      const timer = setTimeout(() => {
        // Lambda stops the environment at the timeout, and bills the invocation up to it; the next invocation gets a new one.
        this.failed = true;
        this.current = undefined;
        this.meter?.invoked(context.awsRequestId, timeoutMs, this.unreportedInitMs);
        void this.terminate();
        rejectRun(
          new FunctionError({
            name: 'Sandbox.Timedout',
            message: `Task timed out after ${this.definition.timeoutSeconds.toFixed(2)} seconds`,
          }),
        );
      }, timeoutMs);
      this.current = {
        id,
        requestId: context.awsRequestId,
        resolve: (value) => {
          clearTimeout(timer);
          resolveRun(value);
        },
        reject: (error) => {
          clearTimeout(timer);
          rejectRun(error);
        },
      };
      const message: HostMessage = { type: 'invoke', id, event, context };
      this.worker.postMessage(message);
    });
  }

  async terminate(): Promise<void> {
    this.failed = true;
    await this.worker.terminate();
  }

  private settle(
    { id, durationMs, requests }: { readonly id: number; readonly durationMs: number; readonly requests: number },
    settle: (pending: NonNullable<Sandbox['current']>) => void,
  ): void {
    const pending = this.current;
    if (pending?.id !== id) return;
    this.current = undefined;
    this.meter?.invoked(pending.requestId, durationMs, this.unreportedInitMs, requests);
    this.unreportedInitMs = undefined;
    settle(pending);
  }
}

/** Lambda's name for an execution environment's log stream: the day it started, the version, 32 hex digits. */
function logStreamNameOf(version: string, startedAt: Date): string {
  return `${startedAt.toISOString().slice(0, 10).replaceAll('-', '/')}/[${version}]${randomBytes(16).toString('hex')}`;
}
