import { util, type Context, type LambdaRequest } from '@aws-appsync/utils';
import type { FieldAnswer } from '../core/adapters/appsync-field-answer';

/**
 * APPSYNC_JS unit resolver of every field a Lambda function answers (topology.lambdaResolverCode).
 * The request invokes the function with the event a direct Lambda resolver would get, so the
 * functions read what they always read; the response makes the function's answer the field's
 * value, or raises the error it answered with under its own errorType. A function that throws
 * (a fault) reaches the client as AppSync reports it, `Lambda:Unhandled` with the message.
 * The CDK stack bundles this file into one ES module for runtime APPSYNC_JS 1.0.0; the local
 * executor runs that same module.
 */
type FieldContext<Result = unknown> = Context<
  Record<string, unknown>,
  Record<string, unknown>,
  Record<string, unknown> | undefined,
  Record<string, unknown> | undefined,
  Result
>;

export function request(ctx: FieldContext): LambdaRequest {
  return {
    operation: 'Invoke',
    payload: {
      arguments: ctx.arguments,
      identity: ctx.identity,
      source: ctx.source,
      request: ctx.request,
      info: ctx.info,
      prev: ctx.prev,
      stash: ctx.stash,
    },
  };
}

export function response(ctx: FieldContext<FieldAnswer<unknown>>): unknown {
  if (ctx.error) util.error(ctx.error.message, ctx.error.type);
  const { data, errorType, errorMessage } = ctx.result;
  if (errorType) util.error(errorMessage, errorType);
  return data;
}
