import { spawn } from 'node:child_process';
import { mkdir, stat, symlink, writeFile } from 'node:fs/promises';
import { isBuiltin } from 'node:module';
import { join } from 'node:path';
import { build } from 'esbuild';
import {
  allDeployedFunctions,
  entryPath,
  lambdaEsbuildOptions,
  repositoryRoot,
  runtimeProvidedScope,
  type DeployedFunction,
} from '../../infra/bundling';

/** A bundle as the CDK stack ships it: index.js, minified, with its source map beside it. */
export interface Bundle {
  readonly id: string;
  readonly file: string;
  readonly bytes: number;
  /** The AWS SDK packages it leaves to the Lambda runtime (`@aws-sdk/*`) and imports. */
  readonly sdkPackages: readonly string[];
  /** A script that loads only those packages and builds their clients: the floor under this function's load. */
  readonly bareSdkFile: string;
  /** What the Lambda runtime puts beside a function: the SDK's packages and nothing else (NODE_PATH). */
  readonly runtimeModules: string;
}

/** The package scope the Lambda Node.js runtime promises (the bundles leave it external): the AWS SDK v3. */
const RUNTIME_SCOPES = [runtimeProvidedScope];

/**
 * Bundles every deployed function exactly as the stack does, each with its bare-SDK yardstick,
 * and lays out the runtime's packages: only `@aws-sdk`, linked from this repository (each client
 * still finds its own Smithy dependencies beside its real path, as in the runtime), so a bundle that
 * reaches for anything else at the top level, a `@smithy/*` package included, fails to load.
 */
export async function bundleLikeTheStack(outDir: string): Promise<Bundle[]> {
  const runtimeModules = join(outDir, 'lambda-runtime', 'node_modules');
  await mkdir(runtimeModules, { recursive: true });
  for (const scope of RUNTIME_SCOPES) await symlink(join(repositoryRoot, 'node_modules', scope), join(runtimeModules, scope), 'dir');
  const bundleOne = async (fn: DeployedFunction): Promise<Bundle> => {
    const file = join(outDir, fn.id, 'index.js');
    const { metafile } = await build({
      ...lambdaEsbuildOptions,
      absWorkingDir: repositoryRoot,
      entryPoints: [entryPath(fn)],
      outfile: file,
      logLevel: 'silent',
      metafile: true,
    });
    const imported = Object.values(metafile.outputs).flatMap((output) =>
      output.imports.filter((imported) => imported.external).map((imported) => imported.path),
    );
    const sdkPackages = [
      ...new Set(imported.filter((path) => !isBuiltin(path) && RUNTIME_SCOPES.some((scope) => path.startsWith(`${scope}/`)))),
    ].sort();
    const bareSdkFile = join(outDir, fn.id, 'bare-sdk.js');
    await writeFile(bareSdkFile, bareSdkScript(sdkPackages));
    return { id: fn.id, file, bytes: (await stat(file)).size, sdkPackages, bareSdkFile, runtimeModules };
  };
  return Promise.all(allDeployedFunctions.map(bundleOne));
}

/** Requires each package, and constructs each service client (`new DynamoDBClient({})`), as a handler's module scope does. */
function bareSdkScript(packages: readonly string[]): string {
  return `for (const name of ${JSON.stringify(packages)}) {
  const loaded = require(name);
  if (!name.startsWith('@aws-sdk/client-')) continue;
  for (const [key, value] of Object.entries(loaded)) if (key.endsWith('Client') && !key.startsWith('_') && typeof value === 'function') new value({});
}
`;
}

const LOAD_ONCE = `require(process.argv[1]); process.stdout.write(JSON.stringify({ loadedMs: performance.now() })); process.exit(0);`;

// Load the bundle, answer one invocation, report milliseconds since the process began.
const INVOKE_ONCE = `
const { handler } = require(process.argv[1]);
const loadedMs = performance.now();
const context = { awsRequestId: 'cold-start', functionName: 'bench', getRemainingTimeInMillis: () => 10000 };
Promise.resolve(handler(JSON.parse(process.env.BENCH_EVENT), context)).then(
  (result) => { process.stdout.write(JSON.stringify({ loadedMs, answeredMs: performance.now(), result })); process.exit(0); },
  (error) => { process.stdout.write(JSON.stringify({ error: String(error && error.stack || error) })); process.exit(1); },
);`;

export interface FreshLoad {
  /** Median ms from a fresh node's start until the bundle is loaded (its module scope run). */
  readonly loadMs: number;
  /** The same for the bare SDK script of that bundle, measured in turn with it. */
  readonly bareSdkLoadMs: number;
}

/**
 * `runs` fresh `node` processes each for the bundle and for its bare SDK script, taken
 * in turn so that both meet the same machine. The SDK packages resolve from the bundle's
 * runtime modules, as Lambda's runtime provides them.
 */
export async function measureFreshLoad(bundle: Bundle, env: Record<string, string>, runs: number): Promise<FreshLoad> {
  const loads: number[] = [];
  const bare: number[] = [];
  for (let run = 0; run < runs; run++) {
    bare.push((await runNode(bundle, LOAD_ONCE, bundle.bareSdkFile, env)).loadedMs);
    loads.push((await runNode(bundle, LOAD_ONCE, bundle.file, env)).loadedMs);
  }
  return { loadMs: median(loads), bareSdkLoadMs: median(bare) };
}

/** What a fresh node answered to one invocation of a bundle, and when (ms since its start). */
export async function invokeFresh(
  bundle: Bundle,
  event: unknown,
  env: Record<string, string>,
): Promise<{ answeredMs: number; result: unknown }> {
  const { answeredMs, result } = await runNode(bundle, INVOKE_ONCE, bundle.file, { ...env, BENCH_EVENT: JSON.stringify(event) });
  // An SQS handler reports the records it failed instead of throwing: a cold start that failed them measured an error path.
  const failures = (result as { batchItemFailures?: unknown[] } | null)?.batchItemFailures ?? [];
  if (failures.length) throw new Error(`${bundle.id} failed ${failures.length} record(s) of its cold invocation`);
  // A resolver answers a refusal as a value (core/adapters/appsync-field-answer.ts): a cold start that was refused measured an error path too.
  const refusal = (result as { errorType?: string; errorMessage?: string } | null)?.errorType;
  if (refusal)
    throw new Error(
      `${bundle.id} answered its cold invocation with ${refusal}: ${(result as { errorMessage?: string }).errorMessage ?? ''}`,
    );
  return { answeredMs: answeredMs ?? NaN, result };
}

/**
 * Median ms from a fresh node's start until it has answered one invocation of the bundle; each run gets its own
 * event (a withdrawn slot cannot be withdrawn again: each run withdraws its own).
 */
export async function measureColdInvocation(
  bundle: Bundle,
  eventOfRun: (run: number) => unknown,
  env: Record<string, string>,
  runs: number,
): Promise<number> {
  const answers: number[] = [];
  for (let run = 0; run < runs; run++) answers.push((await invokeFresh(bundle, eventOfRun(run), env)).answeredMs);
  return median(answers);
}

function runNode(
  { id, runtimeModules }: Bundle,
  script: string,
  file: string,
  env: Record<string, string>,
): Promise<{ loadedMs: number; answeredMs?: number; result?: unknown }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['-e', script, file], {
      cwd: repositoryRoot,
      env: {
        PATH: process.env.PATH,
        NODE_PATH: runtimeModules,
        POWERTOOLS_LOG_LEVEL: 'SILENT',
        POWERTOOLS_METRICS_DISABLED: 'true',
        ...env,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (err += chunk.toString()));
    child.on('error', reject);
    child.on('close', (code) => {
      try {
        const report = JSON.parse(out) as { loadedMs: number; answeredMs?: number; result?: unknown; error?: string };
        if (code === 0 && !report.error) resolve(report);
        else reject(new Error(`${id} failed in a fresh node: ${report.error ?? err}`));
      } catch {
        reject(new Error(`${id} printed no report (exit ${code}): ${err || out}`));
      }
    });
  });
}

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
}
