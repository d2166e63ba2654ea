import type { AppSyncResolverEvent, Context } from 'aws-lambda';
import type { FieldAnswer } from '../../core/adapters/appsync-field-answer';
import { topology } from '../../core/config/topology';
import { appSyncJsResolver, runUnitResolver, type AppSyncJsContext } from '../../local/appsync/appsync-js-runtime';
import { lambdaDataSource, payloadOf } from '../../local/appsync/lambda-data-source';

/**
 * A field's Lambda handler as a client meets it through AppSync, in this process: the field's
 * APPSYNC_JS resolver (the deployed module) invokes the handler with its payload and turns the answer
 * into the field's value, or rejects with the AppSyncFieldError the client would read (`errorType`,
 * `message`); a thrown error reaches it as `Lambda:Unhandled`, as in AWS.
 */
export function throughAppSync<Args, Result>(
  handler: (event: AppSyncResolverEvent<Args>, context: Context) => Promise<FieldAnswer<Result>>,
): (event: AppSyncResolverEvent<Args>, context: Context) => Promise<Result> {
  const code = appSyncJsResolver(topology.lambdaResolverCode);
  return async (event, context) => {
    const ctx = { ...event, args: event.arguments } as unknown as AppSyncJsContext;
    const invoke = lambdaDataSource((request) =>
      handler(payloadOf(request, `${event.info.parentTypeName}.${event.info.fieldName}`) as AppSyncResolverEvent<Args>, context),
    );
    return (await runUnitResolver(code, ctx, invoke)) as Result;
  };
}
