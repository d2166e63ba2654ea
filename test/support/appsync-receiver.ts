import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { environment } from '../../core/config/environment';
import { topology, type PublishMutation } from '../../core/config/topology';
import type { AppointmentStatusChangeInput, SlotAvailabilityChangeInput } from '../../core/graphql/types.generated';
import { verifyIamSignature } from '../../local/appsync/iam-signature';
import { LOCAL_CREDENTIALS, LOCAL_REGION } from '../../local/dynamodb/dynalite';
import { readRequestBody } from '../../local/network';

/**
 * AppSync's end of a worker's publish mutation (the completion worker's status changes, the slot projector's
 * availability changes), for tests that run the worker without a local stack: it checks the SigV4 signature as
 * AppSync does, records each change it accepts, and refuses the ones it is told to.
 */
export interface PublishReceiver<Change> {
  /** What the worker's environment needs to publish here with the test credentials. */
  readonly lambdaEnv: Record<string, string>;
  readonly received: Change[];
  /** Requests whose signature did not verify. */
  readonly unsigned: number;
  /** Requests that called another field than this receiver's mutation. */
  readonly otherFields: number;
  /** The next publish of this change (named by `keyOf`) is refused, as a passing AppSync failure. */
  refuseOnce(key: string): void;
  stop(): Promise<void>;
}

/** The completion worker's AppSync: receives publishAppointmentStatusChange; `refuseOnce` takes an appointmentId. */
export type StatusChangeReceiver = PublishReceiver<AppointmentStatusChangeInput>;
/** The slot projector's AppSync: receives publishSlotAvailabilityChange; `refuseOnce` takes `<countryISO>#<scheduleId>`. */
export type SlotAvailabilityReceiver = PublishReceiver<SlotAvailabilityChangeInput>;

export const startStatusChangeReceiver = (): Promise<StatusChangeReceiver> =>
  startPublishReceiver(topology.statusChanges, (change: AppointmentStatusChangeInput) => change.appointmentId);

export const startSlotAvailabilityReceiver = (): Promise<SlotAvailabilityReceiver> =>
  startPublishReceiver<SlotAvailabilityChangeInput>(topology.slotAvailabilityChanges, slotKeyOf);

/** How a SlotAvailabilityReceiver names a slot's changes: `<countryISO>#<scheduleId>`. */
export const slotKeyOf = (slot: { readonly countryISO: string; readonly scheduleId: number }): string =>
  `${slot.countryISO}#${slot.scheduleId}`;

async function startPublishReceiver<Change>(
  mutation: PublishMutation,
  keyOf: (change: Change) => string,
): Promise<PublishReceiver<Change>> {
  const received: Change[] = [];
  const refused = new Set<string>();
  let unsigned = 0;
  let otherFields = 0;
  const server = createServer((request, response) => {
    const answer = (status: number, body: unknown) =>
      response.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
    void readRequestBody(request).then(async (body) => {
      try {
        await verifyIamSignature(
          { method: request.method ?? 'POST', url: request.url ?? '/', headers: request.headers, body },
          LOCAL_CREDENTIALS,
        );
      } catch (error) {
        unsigned += 1;
        answer(401, { errors: [{ errorType: 'UnauthorizedException', message: (error as Error).message }] });
        return;
      }
      const { query, variables } = JSON.parse(body) as { query: string; variables: { change: Change } };
      if (!new RegExp(`\\b${mutation.fieldName}\\(`).test(query)) {
        otherFields += 1;
        answer(200, { data: null, errors: [{ errorType: 'Unauthorized', message: `Not Authorized to access this field` }] });
        return;
      }
      const { change } = variables;
      if (refused.delete(keyOf(change))) {
        answer(200, { data: null, errors: [{ errorType: 'InternalFailure', message: 'refused by the test' }] });
        return;
      }
      received.push(change);
      answer(200, { data: { [mutation.fieldName]: change } });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/graphql`;
  return {
    lambdaEnv: {
      [environment.graphqlUrl]: url,
      AWS_REGION: LOCAL_REGION,
      AWS_ACCESS_KEY_ID: LOCAL_CREDENTIALS.accessKeyId,
      AWS_SECRET_ACCESS_KEY: LOCAL_CREDENTIALS.secretAccessKey,
    },
    received,
    get unsigned() {
      return unsigned;
    },
    get otherFields() {
      return otherFields;
    },
    refuseOnce: (key) => void refused.add(key),
    stop: () => new Promise((resolve) => server.close(() => resolve())),
  };
}
