import { HttpRequest } from '@smithy/protocol-http';
import type { SignatureV4 } from '@smithy/signature-v4';
import { postKeptAlive, type PostRequest } from './kept-alive-post';

/** Well under a worker's timeout: a stuck call fails its record, which is retried. */
const REQUEST_TIMEOUT_MS = 5000;

/** Why AppSync did not take a mutation: the HTTP status and, when it said, its errors (`Unauthorized: …`). */
export interface MutationRefusal {
  readonly httpStatus: number;
  readonly reason: string;
}

/**
 * A worker's call of one of AppSync's IAM-only publish mutations: a POST signed with SigV4 (the function's own
 * credentials), AppSync then pushing the result to the subscribers. Each publisher words its own error, naming
 * what it published; this is what they share.
 */
export class SignedAppSyncMutation {
  constructor(
    private readonly graphqlUrl: string,
    private readonly signer: Pick<SignatureV4, 'sign'>,
    private readonly send: PostRequest = postKeptAlive,
  ) {}

  /** Undefined once AppSync has answered the mutation without errors; otherwise why it did not. */
  async call(query: string, variables: Readonly<Record<string, unknown>>): Promise<MutationRefusal | undefined> {
    const url = new URL(this.graphqlUrl);
    const body = JSON.stringify({ query, variables });
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
    if (response.ok && !answer.errors?.length) return undefined;
    const reason = answer.errors?.map((error) => `${error.errorType ?? 'Error'}: ${error.message ?? ''}`).join('; ') ?? '';
    return { httpStatus: response.status, reason };
  }
}

/** A publisher's error message: `AppSync answered HTTP 401 to <what> (Unauthorized: …)`. */
export function refusalText(refusal: MutationRefusal, what: string): string {
  return `AppSync answered HTTP ${refusal.httpStatus} to ${what}${refusal.reason ? ` (${refusal.reason})` : ''}`;
}
