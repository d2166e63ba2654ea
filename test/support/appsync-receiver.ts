import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { environment } from '../../core/config/environment';
import type { AppointmentStatusChangeInput } from '../../core/graphql/types.generated';
import { verifyIamSignature } from '../../local/appsync/iam-signature';
import { LOCAL_CREDENTIALS, LOCAL_REGION } from '../../local/dynamodb/dynalite';
import { readRequestBody } from '../../local/network';

/**
 * AppSync's end of the completion worker's publish, for tests that run the worker
 * without a local stack: it checks the SigV4 signature as AppSync does, records
 * each accepted status change, and refuses the appointments it is told to.
 */
export interface StatusChangeReceiver {
  /** What the worker's environment needs to publish here with the test credentials. */
  readonly lambdaEnv: Record<string, string>;
  readonly received: AppointmentStatusChangeInput[];
  /** Requests whose signature did not verify. */
  readonly unsigned: number;
  /** The next publish of this appointment's change is refused, as a passing AppSync failure. */
  refuseOnce(appointmentId: string): void;
  stop(): Promise<void>;
}

export async function startStatusChangeReceiver(): Promise<StatusChangeReceiver> {
  const received: AppointmentStatusChangeInput[] = [];
  const refused = new Set<string>();
  let unsigned = 0;
  const server = createServer((request, response) => {
    void readRequestBody(request).then(async (body) => {
      try {
        await verifyIamSignature(
          { method: request.method ?? 'POST', url: request.url ?? '/', headers: request.headers, body },
          LOCAL_CREDENTIALS,
        );
      } catch (error) {
        unsigned += 1;
        response
          .writeHead(401, { 'content-type': 'application/json' })
          .end(JSON.stringify({ errors: [{ errorType: 'UnauthorizedException', message: (error as Error).message }] }));
        return;
      }
      const { change } = (JSON.parse(body) as { variables: { change: AppointmentStatusChangeInput } }).variables;
      if (refused.delete(change.appointmentId)) {
        response
          .writeHead(200, { 'content-type': 'application/json' })
          .end(JSON.stringify({ data: null, errors: [{ errorType: 'InternalFailure', message: 'refused by the test' }] }));
        return;
      }
      received.push(change);
      response
        .writeHead(200, { 'content-type': 'application/json' })
        .end(JSON.stringify({ data: { publishAppointmentStatusChange: change } }));
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
    refuseOnce: (appointmentId) => void refused.add(appointmentId),
    stop: () => new Promise((resolve) => server.close(() => resolve())),
  };
}
