import type { IncomingHttpHeaders } from 'node:http';
import type { JWTPayload } from 'jose';
import type { LocalTokenIssuer } from '../identity/issuer';
import { verifyIamSignature, type KnownCredentials } from './iam-signature';

/**
 * AppSync's first step for every request and subscription: which auth mode the
 * caller used, and whether its credential holds: a token must be signed by the
 * local user pool's key and a signature must verify, so the rules match AWS.
 */
export type AuthenticatedMode = 'API_KEY' | 'AMAZON_COGNITO_USER_POOLS' | 'AWS_IAM';

/** Who passed authentication, with what the resolvers' identity is made of. */
export type AuthenticatedCaller =
  | { readonly mode: 'API_KEY' }
  | { readonly mode: 'AMAZON_COGNITO_USER_POOLS'; readonly claims: JWTPayload }
  | { readonly mode: 'AWS_IAM'; readonly accessKeyId: string };

export interface Authenticator {
  readonly apiKey: string;
  readonly issuer: LocalTokenIssuer;
  readonly iamCredentials: KnownCredentials;
}

/** Refused before anything runs: HTTP 401 with errorType UnauthorizedException, as AppSync answers. */
export class AuthenticationError extends Error {
  override readonly name = 'UnauthorizedException';
}

export interface SignedRequest {
  readonly method: string;
  readonly url: string;
  readonly headers: IncomingHttpHeaders;
  /** The raw body, for SigV4 (a realtime `start` message has its own `data` here). */
  readonly body: string;
}

export async function authenticate(request: SignedRequest, authenticator: Authenticator): Promise<AuthenticatedCaller> {
  const apiKey = header(request.headers, 'x-api-key');
  const authorization = header(request.headers, 'authorization');
  if (apiKey !== undefined) {
    if (apiKey !== authenticator.apiKey)
      throw new AuthenticationError('You are not authorized to make this call: the API key is not valid.');
    return { mode: 'API_KEY' };
  }
  if (authorization === undefined || authorization === '')
    throw new AuthenticationError(
      'Valid authorization header not provided: send x-api-key, or Authorization with a user pool token or a SigV4 signature.',
    );
  if (authorization.startsWith('AWS4-HMAC-SHA256')) {
    await verifyIamSignature(request, authenticator.iamCredentials).catch(refuse);
    return { mode: 'AWS_IAM', accessKeyId: authenticator.iamCredentials.accessKeyId };
  }
  const claims = await authenticator.issuer.verify(authorization).catch(refuse);
  return { mode: 'AMAZON_COGNITO_USER_POOLS', claims };
}

function refuse(error: unknown): never {
  throw new AuthenticationError(error instanceof Error ? error.message : String(error));
}

function header(headers: IncomingHttpHeaders | Record<string, unknown>, name: string): string | undefined {
  const key = Object.keys(headers).find((candidate) => candidate.toLowerCase() === name);
  const value = key === undefined ? undefined : headers[key];
  if (Array.isArray(value)) return typeof value[0] === 'string' ? value[0] : undefined;
  return typeof value === 'string' ? value : undefined;
}
