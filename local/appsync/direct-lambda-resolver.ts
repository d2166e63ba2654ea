import type { GraphQLFieldResolver } from 'graphql';
import type { LocalLogger } from '../log';
import { AppSyncFieldError } from './appsync-error';
import type { AppSyncRequestContext } from './request-context';
import { directResolverEvent } from './resolver-event';

/** A GraphQL field served by a direct Lambda resolver: `invoke` runs the function with the resolver event. */
export interface LocalResolver {
  readonly typeName: string;
  readonly fieldName: string;
  readonly invoke: (event: unknown) => Promise<unknown>;
}

/**
 * The field's resolver: the function's answer is the field's value; an error it throws
 * becomes the field's error, its name the errorType and its message the message,
 * which is what AppSync makes of a direct Lambda resolver's error (errorInfo stays null).
 */
export function directLambdaResolver(resolver: LocalResolver, logger: LocalLogger): GraphQLFieldResolver<unknown, AppSyncRequestContext, Record<string, unknown>> {
  const field = `${resolver.typeName}.${resolver.fieldName}`;
  return async (source, args, context, info) => {
    try {
      return await resolver.invoke(directResolverEvent(source, args, context, info));
    } catch (error) {
      const { name, message, stack } = error instanceof Error ? error : new Error(String(error));
      // Errors of the API's own types (ValidationError, …) are answers to the client; the rest are faults.
      if (isFault(name)) logger.error('Resolver failed', { field, errorType: name, errorMessage: message, stack });
      else logger.info('Resolver answered with an error', { field, errorType: name, errorMessage: message });
      throw new AppSyncFieldError(name, message);
    }
  };
}

function isFault(errorName: string): boolean {
  return ['Error', 'TypeError', 'RangeError', 'ReferenceError', 'SyntaxError'].includes(errorName) || /^(Runtime|Sandbox)\./.test(errorName);
}
