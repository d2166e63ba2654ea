import type { AppointmentStatus, AppointmentStatusChange } from '../../core/graphql/types.generated';
import { connectRealtime } from '../../local/realtime-client';
import type { LocalStack } from '../../local/stack';
import { pollUntil } from '../e2e/client';

/** One `onAppointmentStatusChanged` message, with the fields the suites compare against the stored item. */
export type HeardChange = Pick<
  AppointmentStatusChange,
  'appointmentId' | 'insuredId' | 'status' | 'rejectionReason' | 'updatedAt' | 'scheduleId' | 'reschedule'
>;

/**
 * AppSync-realtime subscriptions to the local stack (API key, `?header=` on the plain
 * port, through local/realtime-client.ts), for suites that count the status changes
 * subscribers hear: one connection, one `onAppointmentStatusChanged` subscription per insured person.
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
  onAppointmentStatusChanged(insuredId: $insuredId) {
    appointmentId insuredId status rejectionReason updatedAt scheduleId
    reschedule { moveId outcome fromScheduleId from { scheduleId } to { scheduleId } refusalReason }
  }
}`;

/** Resolves once every subscription is acknowledged, so nothing published afterwards can be missed. */
export async function subscribeToStatusChanges(stack: LocalStack, insuredIds: readonly string[]): Promise<StatusChangeSubscriber> {
  const connection = await connectRealtime(stack, { 'x-api-key': stack.apiKey });
  const received: HeardChange[] = [];
  const statuses = new Map<string, AppointmentStatus[]>();
  const hear = (data: { onAppointmentStatusChanged?: HeardChange | null } | undefined) => {
    const change = data?.onAppointmentStatusChanged;
    if (!change) return;
    received.push(change);
    statuses.set(change.appointmentId, [...(statuses.get(change.appointmentId) ?? []), change.status]);
  };
  try {
    await Promise.all(insuredIds.map((insuredId) => connection.subscribe({ query: SUBSCRIPTION, variables: { insuredId } }, hear)));
  } catch (error) {
    await connection.close();
    throw new Error(
      `Subscribing to the status changes of ${insuredIds.length} insured people failed: ${error instanceof Error ? error.message : String(error)}`,
    );
  }

  return {
    received,
    statusesOf: (appointmentId) => statuses.get(appointmentId) ?? [],
    waitUntil: async (predicate, timeoutMs) => predicate(await pollUntil(() => Promise.resolve(received), predicate, timeoutMs)),
    close: () => connection.close(),
  };
}
