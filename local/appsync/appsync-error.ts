import type { GraphQLError } from 'graphql';

/**
 * An error AppSync reports against a field: its errorType and errorInfo travel with
 * the message (AppSync's error shape, "Error handling" in the AppSync Developer Guide,
 * https://docs.aws.amazon.com/appsync/latest/devguide/troubleshooting-and-common-mistakes.html).
 * graphql-js locates it (path, locations) where the field failed.
 */
export class AppSyncFieldError extends Error {
  constructor(
    readonly errorType: string | undefined,
    message: string,
    readonly errorInfo: unknown = null,
    readonly data: unknown = null,
  ) {
    super(message);
  }
}

/** The "Not Authorized to access X on type Y" AppSync answers when a field's auth rules exclude the caller. */
export class FieldNotAuthorizedError extends AppSyncFieldError {
  constructor(fieldName: string, typeName: string) {
    super('Unauthorized', `Not Authorized to access ${fieldName} on type ${typeName}`);
  }
}

export interface AppSyncErrorJson {
  readonly path: readonly (string | number)[] | null;
  readonly data?: unknown;
  readonly errorType?: string;
  readonly errorInfo?: unknown;
  readonly locations: readonly { line: number; column: number; sourceName: null }[] | null;
  readonly message: string;
}

/** A graphql-js error as AppSync writes it in `errors`: a field's own error carries errorType and errorInfo. */
export function appSyncErrorJson(error: GraphQLError): AppSyncErrorJson {
  const located = {
    path: error.path ?? null,
    locations: (error.locations ?? []).map(({ line, column }) => ({ line, column, sourceName: null })),
    message: error.message,
  };
  const cause = error.originalError;
  if (!(cause instanceof AppSyncFieldError)) return located;
  return {
    path: located.path,
    data: cause.data,
    errorType: cause.errorType,
    errorInfo: cause.errorInfo,
    locations: located.locations,
    message: located.message,
  };
}
