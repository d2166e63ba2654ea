import type { GraphQLFieldResolver } from 'graphql';
import { resolverContext, runUnitResolver, type AppSyncJsResolver } from './appsync-js-runtime';
import type { AppSyncRequestContext } from './request-context';

/**
 * A resolver on a NONE data source: the request's `payload` comes back as `ctx.result` for the
 * response ("Resolver reference for the None data source",
 * https://docs.aws.amazon.com/appsync/latest/devguide/resolver-reference-none-js.html).
 */
export function noneDataSourceResolver(
  code: AppSyncJsResolver,
): GraphQLFieldResolver<unknown, AppSyncRequestContext, Record<string, unknown>> {
  return (source, args, context, info) =>
    runUnitResolver(code, resolverContext(source, args, context, info), (request) =>
      Promise.resolve({ result: (request as { payload?: unknown } | undefined)?.payload ?? null }),
    );
}
