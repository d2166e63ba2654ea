import type { GraphQLFieldResolver } from 'graphql';
import type { LocalLogger } from '../log';
import { AppSyncFieldError } from './appsync-error';
import { resolverContext, runUnitResolver, type AppSyncJsResolver, type DataSourceOutcome } from './appsync-js-runtime';
import type { AppSyncRequestContext } from './request-context';

/** A GraphQL field a Lambda function answers: `invoke` runs the function with the payload it is sent. */
export interface LocalResolver {
  readonly typeName: string;
  readonly fieldName: string;
  readonly invoke: (event: unknown) => Promise<unknown>;
}

/**
 * The field's resolver on a Lambda data source: the APPSYNC_JS code's request names the payload,
 * the function answers it, and the code's response makes that the field's value or error. An error
 * the function throws reaches the response as AppSync reports an invocation's failure, with
 * `type: "Lambda:Unhandled"` and the error's message only, whatever the error's name
 * ("Returning errors" in https://docs.aws.amazon.com/appsync/latest/devguide/tutorial-lambda-resolvers.html).
 */
export function lambdaDataSourceResolver(
  resolver: LocalResolver,
  code: AppSyncJsResolver,
  logger: LocalLogger,
): GraphQLFieldResolver<unknown, AppSyncRequestContext, Record<string, unknown>> {
  const field = `${resolver.typeName}.${resolver.fieldName}`;
  const invoke = lambdaDataSource(
    (request) => resolver.invoke(payloadOf(request, field)),
    (fault) => {
      logger.error('Resolver failed', { field, errorName: fault.name, errorMessage: fault.message, stack: fault.stack });
    },
  );
  return async (source, args, context, info) => {
    try {
      return await runUnitResolver(code, resolverContext(source, args, context, info), invoke);
    } catch (error) {
      if (error instanceof AppSyncFieldError && error.errorType !== 'Lambda:Unhandled') {
        logger.info('Resolver answered with an error', { field, errorType: error.errorType, errorMessage: error.message });
      }
      throw error;
    }
  };
}

/**
 * A Lambda data source's outcome for the resolver's response: the function's answer as `result`, or,
 * when it throws, `error` as AppSync reports a failed invocation (`Lambda:Unhandled`, the message only).
 */
export function lambdaDataSource(
  invoke: (request: unknown) => Promise<unknown>,
  onFault: (fault: Error) => void = () => undefined,
): (request: unknown) => Promise<DataSourceOutcome> {
  return async (request) => {
    try {
      return { result: await invoke(request) };
    } catch (error) {
      const fault = error instanceof Error ? error : new Error(String(error));
      onFault(fault);
      return { error: { message: fault.message, type: 'Lambda:Unhandled' } };
    }
  };
}

/** The payload of a Lambda data source's `Invoke` request (https://docs.aws.amazon.com/appsync/latest/devguide/js-resolver-reference-lambda.html). */
export function payloadOf(request: unknown, field: string): unknown {
  const { operation, payload } = (request ?? {}) as { operation?: unknown; payload?: unknown };
  if (operation !== 'Invoke')
    throw new Error(`${field}'s resolver asked its Lambda data source for ${String(operation)}; only Invoke is served locally`);
  return payload;
}
