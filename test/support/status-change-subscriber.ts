import WebSocket from 'ws';
import type { AppointmentStatus, AppointmentStatusChange } from '../../core/graphql/types.generated';
import type { LocalStack } from '../../local/stack';
import { pollUntil } from '../e2e/client';

/** One `onAppointmentStatusChanged` message, with the fields the suites compare against the stored item. */
export type HeardChange = Pick<AppointmentStatusChange, 'appointmentId' | 'insuredId' | 'status' | 'rejectionReason' | 'updatedAt'>;

/**
 * A raw AppSync-realtime client of the local stack (API key, `?header=` on the plain
 * port), for suites that count the status changes subscribers hear: one connection,
 * one `onAppointmentStatusChanged` subscription per insured person.
 */
export interface StatusChangeSubscriber {
  /** Every change heard, in arrival order, repeats included (delivery is at least once). */
  readonly received: readonly HeardChange[];
  /** The statuses heard for this appointment, in arrival order. */
  statusesOf(appointmentId: string): AppointmentStatus[];
  /** Resolves once `predicate` holds for what was heard (true) or `timeoutMs` passed (false): the caller's assertions then say what is missing. */
  waitUntil(predicate: (received: readonly HeardChange[]) => boolean, timeoutMs: number): Promise<boolean>;
  close(): Promise<void>;
}

const SUBSCRIPTION = `subscription OnChange($insuredId: String!) {
  onAppointmentStatusChanged(insuredId: $insuredId) { appointmentId insuredId status rejectionReason updatedAt }
}`;
const SUBSCRIBE_TIMEOUT_MS = 10_000;

interface RealtimeMessage {
  readonly type: string;
  readonly id?: string;
  readonly payload?: { readonly data?: { readonly onAppointmentStatusChanged?: HeardChange | null } };
}

/** Resolves once every subscription is acknowledged, so nothing published afterwards can be missed. */
export async function subscribeToStatusChanges(stack: LocalStack, insuredIds: readonly string[]): Promise<StatusChangeSubscriber> {
  const auth = { host: new URL(stack.graphqlUrl).host, 'x-api-key': stack.apiKey };
  const socket = new WebSocket(`${stack.realtimeUrl}?header=${Buffer.from(JSON.stringify(auth)).toString('base64')}&payload=e30=`, ['graphql-ws']);
  // Subscription ids 1..n, each naming its insured person.
  const insuredIdOf = new Map(insuredIds.map((insuredId, index) => [String(index + 1), insuredId]));
  const received: HeardChange[] = [];
  const statuses = new Map<string, AppointmentStatus[]>();
  const awaitingAck = new Set(insuredIdOf.keys());

  await new Promise<void>((resolve, reject) => {
    let settled = false;
    const settle = (failure?: string) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      if (!failure) return resolve();
      socket.terminate();
      reject(new Error(`Subscribing to the status changes of ${insuredIds.length} insured people failed: ${failure}`));
    };
    const timer = setTimeout(() => settle(`${awaitingAck.size} subscriptions not acknowledged within ${SUBSCRIBE_TIMEOUT_MS / 1000} s`), SUBSCRIBE_TIMEOUT_MS);
    socket.on('open', () => socket.send(JSON.stringify({ type: 'connection_init' })));
    socket.on('error', (error) => settle(error.message));
    socket.on('close', () => settle('the connection closed'));
    socket.on('message', (data: Buffer) => {
      const message = JSON.parse(data.toString('utf8')) as RealtimeMessage;
      if (message.type === 'connection_ack') {
        for (const [id, insuredId] of insuredIdOf) {
          const request = JSON.stringify({ query: SUBSCRIPTION, variables: { insuredId } });
          socket.send(JSON.stringify({ id, type: 'start', payload: { data: request, extensions: { authorization: auth } } }));
        }
      } else if (message.type === 'start_ack') {
        awaitingAck.delete(message.id ?? '');
        if (awaitingAck.size === 0) settle();
      } else if (message.type === 'data') {
        const change = message.payload?.data?.onAppointmentStatusChanged;
        if (!change) return;
        received.push(change);
        statuses.set(change.appointmentId, [...(statuses.get(change.appointmentId) ?? []), change.status]);
      } else if (message.type === 'error' || message.type === 'connection_error') {
        const subscription = message.id ? ` (subscription for ${insuredIdOf.get(message.id)})` : '';
        settle(`${message.type}${subscription}: ${JSON.stringify(message.payload)}`);
      }
    });
  });

  return {
    received,
    statusesOf: (appointmentId) => statuses.get(appointmentId) ?? [],
    waitUntil: async (predicate, timeoutMs) => predicate(await pollUntil(() => Promise.resolve(received), predicate, timeoutMs)),
    close: () =>
      new Promise<void>((resolve) => {
        if (socket.readyState === WebSocket.CLOSED) return resolve();
        socket.once('close', () => resolve());
        socket.close();
      }),
  };
}
