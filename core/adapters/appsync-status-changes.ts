import { HttpRequest } from '@smithy/protocol-http';
import type { SignatureV4 } from '@smithy/signature-v4';
import { topology } from '../config/topology';
import type { AppointmentStatusChangeInput } from '../graphql/types.generated';
import type { StatusChangeSubscribers } from '../ports';
import { postKeptAlive, type PostRequest } from './kept-alive-post';

const { fieldName } = topology.statusChanges;
/**
 * The one field the completion worker may call (its IAM policy names this field only). It selects
 * every field of AppointmentStatusChange: AppSync sends subscribers this selection set and nothing
 * else, so a field left out here would reach every subscriber as null
 * (test/unit/status-change-publish-selection.test.ts fails when the type gains a field not selected).
 */
export const PUBLISH_STATUS_CHANGE_MUTATION = `mutation PublishStatusChange($change: AppointmentStatusChangeInput!) {
  ${fieldName}(change: $change) { appointmentId insuredId scheduleId countryISO status rejectionReason updatedAt }
}`;
/** Well under the worker's timeout: a stuck call fails its record, which is retried. */
const REQUEST_TIMEOUT_MS = 5000;

/** AppSync refused or did not answer the publish; the record is retried, then dead-lettered. */
export class StatusChangeNotPublishedError extends Error {
  override readonly name = 'StatusChangeNotPublishedError';
}

/** Calls AppSync's IAM-only publish mutation with a SigV4-signed POST; AppSync pushes it to the subscribers. */
export class AppSyncSubscribers implements StatusChangeSubscribers {
  constructor(
    private readonly graphqlUrl: string,
    private readonly signer: Pick<SignatureV4, 'sign'>,
    private readonly send: PostRequest = postKeptAlive,
  ) {}

  async publish(change: AppointmentStatusChangeInput): Promise<void> {
    const url = new URL(this.graphqlUrl);
    const body = JSON.stringify({ query: PUBLISH_STATUS_CHANGE_MUTATION, variables: { change } });
    const signed = await this.signer.sign(
      new HttpRequest({
        method: 'POST',
        protocol: url.protocol,
        hostname: url.hostname,
        ...(url.port ? { port: Number(url.port) } : {}),
        path: url.pathname,
        headers: { host: url.host, 'content-type': 'application/json' },
        body,
      }),
    );
    const response = await this.send(url, {
      method: 'POST',
      headers: signed.headers,
      body,
      signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
    });
    const answer = (await response.json().catch(() => ({}))) as { errors?: { errorType?: string; message?: string }[] };
    if (!response.ok || answer.errors?.length) {
      const reason = answer.errors?.map((error) => `${error.errorType ?? 'Error'}: ${error.message ?? ''}`).join('; ') ?? '';
      throw new StatusChangeNotPublishedError(
        `AppSync answered HTTP ${response.status} to the status change of ${change.appointmentId}${reason ? ` (${reason})` : ''}`,
      );
    }
  }
}
