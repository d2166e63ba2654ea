import { Amplify } from 'aws-amplify';
import { generateClient } from 'aws-amplify/api';
import type { AppSyncError } from './app-sync-error';

/**
 * Amplify JS v6 against the API with the API key. Amplify always dials `wss://<endpoint>/realtime`, so locally give
 * it the TLS endpoint (`https://127.0.0.1:20003/graphql`) and trust the local CA (`NODE_EXTRA_CA_CERTS`); on Node 20,
 * which has no global WebSocket, set `globalThis.WebSocket` from the `ws` package first. Deployed: the stack's
 * GraphQLUrl, `defaultAuthMode: 'userPool'` with Amplify Auth signed in.
 */
export function appointmentsClient(endpoint: string, apiKey: string) {
  Amplify.configure({ API: { GraphQL: { endpoint, region: 'us-east-1', defaultAuthMode: 'apiKey', apiKey } } });
  return generateClient();
}

/** `client.graphql()` rejects with the whole GraphQLResult: AppSync's errorType is on each of its errors. */
export function errorsOf(refusal: unknown): AppSyncError[] | undefined {
  return (refusal as { errors?: AppSyncError[] }).errors;
}
