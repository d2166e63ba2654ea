/**
 * An app using Amplify JS v6 as its recipe (docs/recipes/amplify.ts) and Amplify's docs show, run as its own Node process so it
 * trusts the local CA the way any Node app does (NODE_EXTRA_CA_CERTS). It
 * subscribes for two insured people, books for the first, tries the internal
 * publish mutation, and once the first booking is heard COMPLETED books for the
 * second (anything of the first's wrongly pushed to the second arrives before the
 * second's own change, on the same connection); it prints what it saw as JSON lines
 * for the test to read. The first books a slot of Lima's catalog, the second one of Santiago's.
 *   node --import tsx amplify-subscriber.ts <https GraphQL URL> <API key> <insuredId> <otherInsuredId> <PE scheduleId> <CL scheduleId>
 */
import { CONNECTION_STATE_CHANGE, ConnectionState } from 'aws-amplify/api';
import { Hub } from 'aws-amplify/utils';
import WebSocket from 'ws';
import { appointmentsClient, errorsOf } from '../../docs/recipes/amplify';

// Node 22+ has a global WebSocket, which Amplify uses; on Node 20 the ws package stands in for it.
globalThis.WebSocket ??= WebSocket as unknown as typeof globalThis.WebSocket;

const [endpoint = '', apiKey = '', insuredId = '', otherInsuredId = '', peruScheduleId = '', chileScheduleId = ''] = process.argv.slice(2);
const print = (line: Record<string, unknown>) => process.stdout.write(`${JSON.stringify(line)}\n`);
const SUBSCRIPTION = `subscription OnChange($insuredId: String!) {
  onAppointmentStatusChanged(insuredId: $insuredId) { appointmentId insuredId countryISO scheduleId status updatedAt }
}`;

const client = appointmentsClient(endpoint, apiKey);

let connected = false;
Hub.listen('api', ({ payload }) => {
  const { connectionState } = (payload.data ?? {}) as { connectionState?: string };
  if (payload.event !== CONNECTION_STATE_CHANGE || connectionState !== ConnectionState.Connected || connected) return;
  connected = true;
  print({ event: 'connected' });
  void bookAndTryTheInternalMutation();
});

// Amplify types a raw-string subscription's result loosely: this is its documented observable.
type StatusChanges = {
  subscribe(observer: { next(value: { data: { onAppointmentStatusChanged: unknown } }): void; error(error: unknown): void }): unknown;
};
for (const subscribedId of [insuredId, otherInsuredId]) {
  (client.graphql({ query: SUBSCRIPTION, variables: { insuredId: subscribedId } }) as unknown as StatusChanges).subscribe({
    next: ({ data }) => {
      print({ event: 'data', subscribedId, change: data.onAppointmentStatusChanged });
      if (subscribedId === insuredId && (data.onAppointmentStatusChanged as { status?: string }).status === 'COMPLETED')
        void bookForTheOther();
    },
    error: (error: unknown) => print({ event: 'subscription-error', subscribedId, error: String(error) }),
  });
}

async function bookAndTryTheInternalMutation(): Promise<void> {
  const booked = await client.graphql({
    query: 'mutation Book($input: CreateAppointmentInput!) { createAppointment(input: $input) { appointmentId status } }',
    variables: { input: { insuredId, scheduleId: Number(peruScheduleId), countryISO: 'PE' } },
  });
  print({ event: 'booked', appointment: (booked as { data: { createAppointment: unknown } }).data.createAppointment });
  try {
    await client.graphql({
      query: 'mutation Forge($change: AppointmentStatusChangeInput!) { publishAppointmentStatusChange(change: $change) { appointmentId } }',
      variables: {
        change: {
          appointmentId: 'forged',
          insuredId,
          scheduleId: 1,
          countryISO: 'PE',
          status: 'COMPLETED',
          updatedAt: new Date().toISOString(),
        },
      },
    });
    print({ event: 'publish-accepted' });
  } catch (refusal) {
    print({ event: 'publish-refused', errors: errorsOf(refusal) ?? [String(refusal)] });
  }
}

let bookedForTheOther = false;
async function bookForTheOther(): Promise<void> {
  if (bookedForTheOther) return;
  bookedForTheOther = true;
  const booked = await client.graphql({
    query: 'mutation Book($input: CreateAppointmentInput!) { createAppointment(input: $input) { appointmentId status } }',
    variables: { input: { insuredId: otherInsuredId, scheduleId: Number(chileScheduleId), countryISO: 'CL' } },
  });
  print({ event: 'booked-other', appointment: (booked as { data: { createAppointment: unknown } }).data.createAppointment });
}
