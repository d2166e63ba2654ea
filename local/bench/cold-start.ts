import { spawn } from 'node:child_process';
import { stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { build } from 'esbuild';
import { allDeployedFunctions, entryPath, lambdaEsbuildOptions, repositoryRoot, type DeployedFunction } from '../../infra/bundling';

/** A bundle as the CDK stack ships it: index.js, minified, with its source map beside it. */
export interface Bundle {
  readonly id: string;
  readonly file: string;
  readonly bytes: number;
}

/** Bundles every deployed function, and an empty handler as the yardstick, exactly as the stack does. */
export async function bundleLikeTheStack(outDir: string): Promise<{ functions: Bundle[]; emptyHandler: Bundle }> {
  const emptyEntry = join(outDir, 'empty-handler.ts');
  await writeFile(emptyEntry, 'export const handler = async () => ({});\n');
  const bundleOne = async (fn: DeployedFunction, entry: string): Promise<Bundle> => {
    const file = join(outDir, fn.id, 'index.js');
    await build({ ...lambdaEsbuildOptions, absWorkingDir: repositoryRoot, entryPoints: [entry], outfile: file, logLevel: 'silent' });
    return { id: fn.id, file, bytes: (await stat(file)).size };
  };
  const functions = await Promise.all(allDeployedFunctions.map((fn) => bundleOne(fn, entryPath(fn))));
  const emptyHandler = await bundleOne({ id: 'empty-handler', entry: emptyEntry }, emptyEntry);
  return { functions, emptyHandler };
}

// Runs in a fresh node: load the bundle, answer one invocation, report milliseconds since the process began.
const INVOKE_ONCE = `
const { performance } = require('node:perf_hooks');
const { handler } = require(process.argv[1]);
const loadedMs = performance.now();
const context = { awsRequestId: 'cold-start', functionName: 'bench', getRemainingTimeInMillis: () => 10000 };
Promise.resolve(handler(JSON.parse(process.env.BENCH_EVENT), context)).then(
  (result) => { process.stdout.write(JSON.stringify({ loadedMs, answeredMs: performance.now(), result })); process.exit(0); },
  (error) => { process.stdout.write(JSON.stringify({ error: String(error && error.stack || error) })); process.exit(1); },
);`;

export interface ColdStart {
  /** Median ms from process start to the module loaded. */
  readonly loadMs: number;
  /** Median ms from process start to the invocation answered. */
  readonly answerMs: number;
}

/**
 * The median of `runs` fresh `node` processes that each load the bundle and answer
 * one invocation. The bundle's external packages (the AWS SDK, which Lambda's runtime
 * provides) resolve from this repository's node_modules.
 */
export async function measureColdStart(bundle: Bundle, event: unknown, env: Record<string, string>, runs: number): Promise<ColdStart> {
  const samples: { loadedMs: number; answeredMs: number }[] = [];
  for (let run = 0; run < runs; run++) samples.push(await invokeOnce(bundle, event, env));
  return { loadMs: median(samples.map((sample) => sample.loadedMs)), answerMs: median(samples.map((sample) => sample.answeredMs)) };
}

function invokeOnce(bundle: Bundle, event: unknown, env: Record<string, string>): Promise<{ loadedMs: number; answeredMs: number }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['-e', INVOKE_ONCE, bundle.file], {
      cwd: repositoryRoot,
      env: { PATH: process.env.PATH, NODE_PATH: join(repositoryRoot, 'node_modules'), POWERTOOLS_LOG_LEVEL: 'SILENT', ...env, BENCH_EVENT: JSON.stringify(event) },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (err += chunk.toString()));
    child.on('error', reject);
    child.on('close', (code) => {
      try {
        const report = JSON.parse(out) as { loadedMs: number; answeredMs: number; error?: string };
        if (code === 0 && !report.error) resolve(report);
        else reject(new Error(`${bundle.id} failed its cold invocation: ${report.error ?? err}`));
      } catch {
        reject(new Error(`${bundle.id} printed no report (exit ${code}): ${err || out}`));
      }
    });
  });
}

export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
}
