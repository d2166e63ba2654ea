import { ApiError } from '../domain/errors';

/**
 * What a resolver function returns to its field's APPSYNC_JS resolver
 * (resolvers/lambda-data-source.ts): the field's value, or an error the client acts on.
 * AppSync keeps only the message of an error a function throws (errorType
 * `Lambda:Unhandled`), so an answer that is an error travels as a value and the
 * resolver raises it with `util.error(errorMessage, errorType)`. The field names are
 * those of AppSync's own per-item answer to a batch invoke.
 */
export type FieldAnswer<T> =
  | { readonly data: T; readonly errorType?: undefined; readonly errorMessage?: undefined }
  | { readonly data: null; readonly errorType: string; readonly errorMessage: string };

/** Runs a use case: its result as `data`, an ApiError as the envelope; any other error is a fault and is thrown. */
export async function fieldAnswer<T>(useCase: () => Promise<T>): Promise<FieldAnswer<T>> {
  try {
    return { data: await useCase() };
  } catch (error) {
    if (error instanceof ApiError) return { data: null, errorType: error.errorType, errorMessage: error.message };
    throw error;
  }
}
