import { ClientError, GraphQLClient } from 'graphql-request';
import type { AppSyncError } from './app-sync-error';

/**
 * graphql-request against the API: it POSTs, as AppSync requires. Locally with the banner's API key; deployed,
 * send `{ Authorization: <the user pool ID token> }` instead.
 */
export function appointmentsClient(graphqlUrl: string, apiKey: string): GraphQLClient {
  return new GraphQLClient(graphqlUrl, { headers: { 'x-api-key': apiKey } });
}

/** A refused request rejects with a ClientError; AppSync's errorType is on each error of its response. */
export function errorTypeOf(error: unknown): string | undefined {
  if (!(error instanceof ClientError)) return undefined;
  return (error.response.errors?.[0] as AppSyncError | undefined)?.errorType;
}
