import type { GraphQLFieldResolver } from 'graphql';
import type { AppSyncRequestContext } from './request-context';
import { directResolverEvent } from './resolver-event';

/**
 * A resolver on a NONE data source, written for AppSync's APPSYNC_JS runtime: the module's
 * `request(ctx)` and `response(ctx)`. What runs here is exactly what such a module needs from
 * the runtime and nothing more (this is not an APPSYNC_JS runtime): the context as AppSync
 * builds it, the request's `payload` handed back as `ctx.result` (what a NONE data source
 * does), and the response's return value as the field's value.
 */
export interface AppSyncJsResolverModule {
  request(ctx: never): unknown;
  response(ctx: never): unknown;
}

export function noneDataSourceResolver(module: AppSyncJsResolverModule): GraphQLFieldResolver<unknown, AppSyncRequestContext, Record<string, unknown>> {
  return (source, args, context, info) => {
    const event = directResolverEvent(source, args, context, info);
    const ctx: Record<string, unknown> = { ...event, args: event.arguments };
    const request = module.request(ctx as never) as { payload?: unknown } | undefined;
    ctx.result = request?.payload ?? null;
    return module.response(ctx as never);
  };
}
