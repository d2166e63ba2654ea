import { Sha256 } from '@aws-crypto/sha256-js';
import { HttpRequest } from '@smithy/protocol-http';
import { SignatureV4 } from '@smithy/signature-v4';
import { createHash } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';

/**
 * SigV4 checked as AppSync checks an IAM request: the signature is computed again
 * over the headers the client says it signed, with the secret of the access key it
 * names. Locally the only credentials are the stack's own (what the functions get).
 */
export interface KnownCredentials {
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
}

const AUTHORIZATION =
  /^AWS4-HMAC-SHA256 Credential=([^/]+)\/(\d{8})\/([^/]+)\/([^/]+)\/aws4_request, ?SignedHeaders=([^,]+), ?Signature=([0-9a-f]{64})$/;

export class InvalidSignatureError extends Error {
  override readonly name = 'UnauthorizedException';
}

/** Throws InvalidSignatureError unless `authorization` is a valid SigV4 signature of this request by `credentials`. */
export async function verifyIamSignature(
  request: { method: string; url: string; headers: IncomingHttpHeaders; body: string },
  credentials: KnownCredentials,
): Promise<void> {
  const authorization = String(request.headers.authorization ?? '');
  const parsed = AUTHORIZATION.exec(authorization);
  if (!parsed) throw new InvalidSignatureError('The request signature is not a SigV4 Authorization header.');
  const [, accessKeyId, , region = '', service = '', signedHeaderList = '', signature] = parsed;
  if (accessKeyId !== credentials.accessKeyId)
    throw new InvalidSignatureError('The security token included in the request is invalid: unknown access key.');
  const amzDate = String(request.headers['x-amz-date'] ?? '');
  const signingDate = parseAmzDate(amzDate);
  if (!signingDate) throw new InvalidSignatureError('The request has no valid X-Amz-Date header.');
  // A signed payload hash stands in for the body in the signature, so it must be the body's.
  const payloadHash = request.headers['x-amz-content-sha256'];
  if (payloadHash !== undefined && payloadHash !== createHash('sha256').update(request.body).digest('hex')) {
    throw new InvalidSignatureError('The request body does not match its signed x-amz-content-sha256.');
  }
  const signedHeaders = Object.fromEntries(signedHeaderList.split(';').map((name) => [name, String(request.headers[name] ?? '')]));
  const url = new URL(request.url, `http://${String(request.headers.host ?? 'localhost')}`);
  const signer = new SignatureV4({ credentials, region, service, sha256: Sha256, applyChecksum: false });
  const signed = await signer.sign(
    new HttpRequest({
      method: request.method,
      protocol: 'https:',
      hostname: url.hostname,
      path: url.pathname,
      headers: signedHeaders,
      body: request.body,
    }),
    { signingDate, signingRegion: region, signingService: service },
  );
  if (!String(signed.headers.authorization ?? '').endsWith(`Signature=${signature}`)) {
    throw new InvalidSignatureError('The request signature we calculated does not match the signature you provided.');
  }
}

function parseAmzDate(value: string): Date | undefined {
  const match = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/.exec(value);
  if (!match) return undefined;
  const [, year, month, day, hour, minute, second] = match.map(Number);
  return new Date(Date.UTC(year ?? 0, (month ?? 1) - 1, day ?? 1, hour ?? 0, minute ?? 0, second ?? 0));
}
