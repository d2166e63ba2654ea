import { ApolloClient, ApolloLink, HttpLink, InMemoryCache } from '@apollo/client';
import { CombinedGraphQLErrors } from '@apollo/client/errors';
import { AUTH_TYPE, createAuthLink } from 'aws-appsync-auth-link';
import { createSubscriptionHandshakeLink } from 'aws-appsync-subscription-link';
import type { AppSyncError } from './app-sync-error';

/**
 * Apollo Client 4 wired as AppSync's docs wire it: aws-appsync-auth-link signs queries and mutations, and
 * aws-appsync-subscription-link speaks AppSync's realtime protocol for subscriptions (locally on the plain port,
 * `ws://…/graphql/realtime`, auth in the `header` query parameter). On Node 20, which has no global WebSocket, set
 * `globalThis.WebSocket` from the `ws` package first. Deployed: `{ type: AUTH_TYPE.AMAZON_COGNITO_USER_POOLS, jwtToken }`.
 */
export function appointmentsClient(graphqlUrl: string, apiKey: string, region: string): ApolloClient {
  const auth = { type: AUTH_TYPE.API_KEY, apiKey } as const;
  return new ApolloClient({
    link: ApolloLink.from([
      createAuthLink({ url: graphqlUrl, region, auth }),
      createSubscriptionHandshakeLink({ url: graphqlUrl, region, auth }, new HttpLink({ uri: graphqlUrl })),
    ]),
    cache: new InMemoryCache(),
  });
}

/** Apollo Client 4 rejects with a CombinedGraphQLErrors whose errors are as the server sent them. */
export function errorTypeOf(error: unknown): string | undefined {
  return CombinedGraphQLErrors.is(error) ? (error.errors[0] as AppSyncError | undefined)?.errorType : undefined;
}
