import { cacheExchange, Client, fetchExchange, type CombinedError } from '@urql/core';
import type { AppSyncError } from './app-sync-error';

/**
 * urql against the API. urql 4 and later send queries as GET unless told otherwise, and AppSync takes POST only
 * (a GET is answered 405): hence `preferGetMethod: false`. Deployed, send the user pool ID token as Authorization.
 */
export function appointmentsClient(graphqlUrl: string, apiKey: string): Client {
  return new Client({
    url: graphqlUrl,
    exchanges: [cacheExchange, fetchExchange],
    preferGetMethod: false,
    fetchOptions: { headers: { 'x-api-key': apiKey } },
  });
}

/** urql rebuilds each error as a graphql-js GraphQLError: AppSync's fields stay on its originalError. */
export function errorTypeOf(error: CombinedError | undefined): string | undefined {
  return (error?.graphQLErrors[0]?.originalError as AppSyncError | undefined)?.errorType;
}
