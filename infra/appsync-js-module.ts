import * as path from 'node:path';
import { buildSync } from 'esbuild';
import { repositoryRoot } from './bundling';

/**
 * An APPSYNC_JS resolver file as the runtime takes it: one ES module with its imports
 * bundled in and its types stripped (AWS's guide bundles TypeScript resolvers with esbuild
 * the same way: "Bundling, TypeScript, and source maps for the APPSYNC_JS runtime").
 * The CDK stack deploys this text and the local AppSync runs this text (local/appsync/appsync-js-runtime.ts).
 */
export function appSyncJsModule(entry: string): string {
  const { outputFiles } = buildSync({
    entryPoints: [path.join(repositoryRoot, entry)],
    bundle: true,
    write: false,
    // The options AWS's page gives: ES module, esnext, the runtime's utilities left out.
    format: 'esm',
    platform: 'node',
    target: 'esnext',
    sourcemap: false,
    minify: false,
    // The runtime provides these; a resolver never bundles them.
    external: ['@aws-appsync/utils'],
  });
  const [module] = outputFiles;
  if (!module) throw new Error(`esbuild produced no module for ${entry}`);
  return module.text;
}
