/**
 * An availability view using Amplify JS v6 as its docs show, run as its own Node process so it trusts the local CA
 * the way any Node app does (NODE_EXTRA_CA_CERTS): it follows one country's slots of one specialty with the API key
 * and prints what it hears as JSON lines for the test to read, `connected` once AppSync has started the subscription.
 *   node --import tsx amplify-availability-subscriber.ts <https GraphQL URL> <API key> <countryISO> <specialtyId>
 */
import { Amplify } from 'aws-amplify';
import { CONNECTION_STATE_CHANGE, ConnectionState, generateClient } from 'aws-amplify/api';
import { Hub } from 'aws-amplify/utils';
import WebSocket from 'ws';

// Node 22+ has a global WebSocket, which Amplify uses; on Node 20 the ws package stands in for it.
globalThis.WebSocket ??= WebSocket as unknown as typeof globalThis.WebSocket;

const [endpoint = '', apiKey = '', countryISO = '', specialtyId = ''] = process.argv.slice(2);
const print = (line: Record<string, unknown>) => process.stdout.write(`${JSON.stringify(line)}\n`);
const SUBSCRIPTION = `subscription OnAvailability($countryISO: CountryISO!, $specialtyId: ID) {
  onSlotAvailabilityChanged(countryISO: $countryISO, specialtyId: $specialtyId) {
    countryISO specialtyId scheduleId availability startsAt centreId doctorId version
  }
}`;

Amplify.configure({ API: { GraphQL: { endpoint, region: 'us-east-1', defaultAuthMode: 'apiKey', apiKey } } });
const client = generateClient();

let connected = false;
Hub.listen('api', ({ payload }) => {
  const { connectionState } = (payload.data ?? {}) as { connectionState?: string };
  if (payload.event !== CONNECTION_STATE_CHANGE || connectionState !== ConnectionState.Connected || connected) return;
  connected = true;
  print({ event: 'connected' });
});

// Amplify types a raw-string subscription's result loosely: this is its documented observable.
type AvailabilityChanges = {
  subscribe(observer: { next(value: { data: { onSlotAvailabilityChanged: unknown } }): void; error(error: unknown): void }): unknown;
};
(client.graphql({ query: SUBSCRIPTION, variables: { countryISO, specialtyId } }) as unknown as AvailabilityChanges).subscribe({
  next: ({ data }) => print({ event: 'data', change: data.onSlotAvailabilityChanged }),
  error: (error: unknown) => print({ event: 'subscription-error', error: JSON.stringify(error) }),
});
