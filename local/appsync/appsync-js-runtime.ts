import { runInNewContext } from 'node:vm';
import { transformSync } from 'esbuild';
import type { GraphQLResolveInfo } from 'graphql';
import { appSyncJsModule } from '../../infra/appsync-js-module';
import { AppSyncFieldError } from './appsync-error';
import type { AppSyncRequestContext } from './request-context';
import { directResolverEvent } from './resolver-event';

/**
 * Runs an APPSYNC_JS unit resolver as AppSync does: the module the CDK stack deploys
 * (infra/appsync-js-module.ts, the same text), its `request(ctx)` handed to the data source
 * and its `response(ctx)` given the data source's `result` or `error`
 * (https://docs.aws.amazon.com/appsync/latest/devguide/resolver-reference-overview-js.html).
 * It is not a general APPSYNC_JS runtime: `@aws-appsync/utils` offers `util.error` only, the
 * one utility our resolvers use, and the module runs in a context of its own with no Node
 * globals, as in AppSync. The language restrictions are eslint's (@aws-appsync/eslint-plugin).
 */
export interface AppSyncJsResolver {
  request(ctx: AppSyncJsContext): unknown;
  response(ctx: AppSyncJsContext): unknown;
  /** The ES module these two come from, as deployed. */
  readonly code: string;
}

/** The resolver's `ctx`: the direct-resolver event's fields, `args`, and the data source's outcome. */
export type AppSyncJsContext = ReturnType<typeof directResolverEvent> & { readonly args: Record<string, unknown> } & DataSourceOutcome;

/** What a data source gives `response`: its result, or the error AppSync reports for it. */
export interface DataSourceOutcome {
  readonly result?: unknown;
  readonly error?: { readonly message: string; readonly type: string };
}

/** `util.error`: ends the field with this error (https://docs.aws.amazon.com/appsync/latest/devguide/built-in-util-js.html). */
const util = {
  error(message: string, errorType?: string, data?: unknown, errorInfo?: unknown): never {
    throw new AppSyncFieldError(errorType, message, errorInfo ?? null, data ?? null);
  },
};

const loaded = new Map<string, AppSyncJsResolver>();

/** The resolver file, bundled as deployed and evaluated once per process. */
export function appSyncJsResolver(entry: string): AppSyncJsResolver {
  const cached = loaded.get(entry);
  if (cached) return cached;
  const resolver = evaluate(appSyncJsModule(entry), entry);
  loaded.set(entry, resolver);
  return resolver;
}

function evaluate(esModule: string, entry: string): AppSyncJsResolver {
  // The deployed text, with only its module syntax turned into a function's, so a context of its own can run it.
  const { code } = transformSync(esModule, { format: 'cjs', target: 'es2022' });
  const module = { exports: {} as Partial<AppSyncJsResolver> };
  const require = (name: string) => {
    if (name === '@aws-appsync/utils') return { util };
    throw new Error(`${entry} imports ${name}, which the APPSYNC_JS runtime does not provide`);
  };
  const run = runInNewContext(`(function (module, exports, require) {\n${code}\n})`, { console }, { filename: entry }) as (
    ...args: unknown[]
  ) => void;
  run(module, module.exports, require);
  const { request, response } = module.exports;
  if (typeof request !== 'function' || typeof response !== 'function')
    throw new Error(`${entry} must export request(ctx) and response(ctx)`);
  return { request, response, code: esModule };
}

/** The context AppSync builds for a field's resolver. */
export function resolverContext(
  source: unknown,
  args: Record<string, unknown>,
  context: AppSyncRequestContext,
  info: GraphQLResolveInfo,
): AppSyncJsContext {
  const event = directResolverEvent(source, args, context, info);
  return { ...event, args: event.arguments };
}

/** One unit resolver run: request, the data source, response; `util.error` ends it with the field's error. */
export async function runUnitResolver(
  resolver: AppSyncJsResolver,
  ctx: AppSyncJsContext,
  dataSource: (request: unknown) => Promise<DataSourceOutcome>,
): Promise<unknown> {
  const outcome = await dataSource(resolver.request(ctx));
  return resolver.response({ ...ctx, ...outcome });
}
