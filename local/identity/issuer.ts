import { randomUUID } from 'node:crypto';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { exportJWK, generateKeyPair, importJWK, jwtVerify, SignJWT, type JWK, type JWTPayload, type KeyLike } from 'jose';
import { GROUPS_CLAIM, INSURED_ID_CLAIM, STAFF_GROUP } from '../../core/domain/caller';
import { LOCAL_REGION } from '../dynamodb/dynalite';
import { localInsuredUsername } from './user-pool-accounts';

/**
 * The local stand-in for the Cognito user pool: it signs tokens shaped like
 * Cognito's (issuer, `token_use`, `client_id`/`aud`, `cognito:groups`, and the
 * insuredId claim where the pre-token-generation trigger puts it in AWS) with a
 * key of its own, and checks them as AppSync does. The key is kept in a file, so
 * `npm run token` in another terminal signs for the running stack.
 */

export const LOCAL_USER_POOL_ID = `${LOCAL_REGION}_appointmentsLocal`;
export const LOCAL_APP_CLIENT_ID = 'appointments-local-client';
/** The issuer a Cognito user pool writes in its tokens: https://cognito-idp.<region>.amazonaws.com/<pool id>. */
export const LOCAL_ISSUER = `https://cognito-idp.${LOCAL_REGION}.amazonaws.com/${LOCAL_USER_POOL_ID}`;
const ALGORITHM = 'RS256';
/** Cognito's default token lifetime. */
const DEFAULT_LIFETIME_SECONDS = 3600;

export type TokenUse = 'access' | 'id';

export interface TokenRequest {
  /** An insured person's token carries their insuredId; staff tokens carry the staff group instead. */
  readonly insuredId?: string;
  readonly staff?: boolean;
  readonly username?: string;
  /** Amplify JS v6 sends the access token; some clients send the ID token. Default: access. */
  readonly tokenUse?: TokenUse;
  readonly lifetimeSeconds?: number;
}

/** Why a token was refused, in the words AppSync uses for the client. */
export class InvalidTokenError extends Error {
  override readonly name = 'UnauthorizedException';
}

interface StoredSigningKey {
  readonly kid: string;
  readonly privateJwk: JWK;
}

export class LocalTokenIssuer {
  private constructor(
    private readonly kid: string,
    private readonly privateKey: KeyLike | Uint8Array,
    private readonly publicKey: KeyLike | Uint8Array,
    /** The file holding the signing key, for `npm run token`. */
    readonly signingKeyFile: string,
  ) {}

  /** The issuer whose key is in `signingKeyFile`, made (mode 0600) on first use. */
  static async open(signingKeyFile: string): Promise<LocalTokenIssuer> {
    const stored = await readFile(signingKeyFile, 'utf8').then(
      (text) => JSON.parse(text) as StoredSigningKey,
      () => undefined,
    );
    const signingKey = stored ?? (await newSigningKey(signingKeyFile));
    const privateKey = await importJWK(signingKey.privateJwk, ALGORITHM);
    const { d: _d, p: _p, q: _q, dp: _dp, dq: _dq, qi: _qi, ...publicJwk } = signingKey.privateJwk;
    const publicKey = await importJWK(publicJwk, ALGORITHM);
    return new LocalTokenIssuer(signingKey.kid, privateKey, publicKey, signingKeyFile);
  }

  async issue(request: TokenRequest): Promise<string> {
    const tokenUse = request.tokenUse ?? 'access';
    const username = request.username ?? (request.staff ? 'agent' : localInsuredUsername(request.insuredId ?? 'unlinked'));
    const now = Math.floor(Date.now() / 1000);
    const claims: JWTPayload = {
      token_use: tokenUse,
      auth_time: now,
      ...(tokenUse === 'access'
        ? { client_id: LOCAL_APP_CLIENT_ID, scope: 'aws.cognito.signin.user.admin', username }
        : { aud: LOCAL_APP_CLIENT_ID, 'cognito:username': username, email_verified: true }),
      ...(request.staff ? { [GROUPS_CLAIM]: [STAFF_GROUP] } : {}),
      ...(request.insuredId ? { [INSURED_ID_CLAIM]: request.insuredId } : {}),
    };
    return new SignJWT(claims)
      .setProtectedHeader({ alg: ALGORITHM, kid: this.kid })
      .setIssuer(LOCAL_ISSUER)
      .setSubject(subjectOf(username))
      .setIssuedAt(now)
      .setExpirationTime(now + (request.lifetimeSeconds ?? DEFAULT_LIFETIME_SECONDS))
      .setJti(randomUUID())
      .sign(this.privateKey);
  }

  /**
   * The token's claims if AppSync would accept it for this user pool: signed with
   * this issuer's key (so never `alg: none`), not expired, from this issuer, and for
   * this app client (`aud` of an ID token, `client_id` of an access token).
   */
  async verify(token: string): Promise<JWTPayload> {
    let payload: JWTPayload;
    try {
      ({ payload } = await jwtVerify(token, this.publicKey, { algorithms: [ALGORITHM], issuer: LOCAL_ISSUER }));
    } catch (error) {
      throw new InvalidTokenError(refusal(error));
    }
    const client = payload.token_use === 'access' ? payload.client_id : payload.token_use === 'id' ? payload.aud : undefined;
    if (client !== LOCAL_APP_CLIENT_ID) throw new InvalidTokenError('Token is not for this app client (aud / client_id).');
    return payload;
  }
}

async function newSigningKey(file: string): Promise<StoredSigningKey> {
  const { privateKey } = await generateKeyPair(ALGORITHM, { extractable: true });
  const signingKey: StoredSigningKey = { kid: randomUUID(), privateJwk: await exportJWK(privateKey) };
  await mkdir(dirname(file), { recursive: true });
  await writeFile(file, `${JSON.stringify(signingKey)}\n`, { mode: 0o600 });
  return signingKey;
}

// Cognito's sub is a UUID per user; a stable one per username keeps one person one sub.
function subjectOf(username: string): string {
  const hex = Buffer.from(username.padEnd(16, '.')).toString('hex').slice(0, 32).padEnd(32, '0');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20, 32)}`;
}

function refusal(error: unknown): string {
  const code = (error as { code?: string }).code;
  switch (code) {
    case 'ERR_JWT_EXPIRED':
      return 'Token has expired.';
    case 'ERR_JWS_SIGNATURE_VERIFICATION_FAILED':
      return 'Token signature is not valid for this user pool.';
    case 'ERR_JOSE_ALG_NOT_ALLOWED':
      return 'Token is not signed with RS256 (unsigned tokens are refused).';
    case 'ERR_JWT_CLAIM_VALIDATION_FAILED':
      return `Token claim is not valid: ${(error as Error).message}.`;
    default:
      return 'Token could not be verified: it is not a JWT signed by this user pool.';
  }
}
