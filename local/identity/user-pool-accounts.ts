import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { INSURED_ID_CLAIM, INSURED_ID_LOOKUP_ATTRIBUTE } from '../../core/domain/caller';
import { closeNow, listenOnLoopback, readRequestBody } from '../network';

/** What an insured person's local account holds that the pipeline reads: their address and whether it is verified. */
export interface LocalAccountEmail {
  readonly email: string;
  readonly verified: boolean;
}

/** The address every insured person's local account has until a test changes it: insured-00012@appointments.test. */
export function localInsuredAddress(insuredId: string): string {
  return `insured-${insuredId}@appointments.test`;
}

/** The insured person's username in the local pool, as the token issuer names it. */
export const localInsuredUsername = (insuredId: string) => `insured-${insuredId}`;

const INSURED_ID = /^[0-9]{5}$/;
/** ListUsers' filter grammar for an exact match: `attribute = "value"`. */
const EXACT_FILTER = /^\s*([\w:]+)\s*=\s*"((?:[^"\\]|\\.)*)"\s*$/;

/**
 * The local user pool's accounts, as Cognito's ListUsers answers about them: every insured person
 * (any 5-digit insuredId) has one, with a verified address of their own (localInsuredAddress) and
 * the insuredId both in `custom:insuredId` and in the standard attribute the notification worker
 * searches by. Tests change an account's address, or remove it, with `setEmail`.
 */
export class LocalUserPoolAccounts {
  private readonly emails = new Map<string, LocalAccountEmail | undefined>();

  /** `undefined`: the insured person has no account here. */
  setEmail(insuredId: string, email: LocalAccountEmail | undefined): void {
    this.emails.set(insuredId, email);
  }

  emailOf(insuredId: string): LocalAccountEmail | undefined {
    if (!INSURED_ID.test(insuredId)) return undefined;
    return this.emails.has(insuredId) ? this.emails.get(insuredId) : { email: localInsuredAddress(insuredId), verified: true };
  }

  /** The user Cognito would list for this insured person, in ListUsers' UserType shape. */
  userOf(insuredId: string): object | undefined {
    const email = this.emailOf(insuredId);
    if (!email) return undefined;
    const attributes = {
      sub: insuredSub(insuredId),
      email: email.email,
      email_verified: String(email.verified),
      [INSURED_ID_CLAIM]: insuredId,
      [INSURED_ID_LOOKUP_ATTRIBUTE]: insuredId,
    };
    return {
      Username: localInsuredUsername(insuredId),
      Attributes: Object.entries(attributes).map(([Name, Value]) => ({ Name, Value })),
      Enabled: true,
      UserStatus: 'CONFIRMED',
    };
  }
}

/** A stable sub per insured person, shaped like Cognito's (a UUID). */
function insuredSub(insuredId: string): string {
  return `00000000-0000-4000-8000-0000000${insuredId}`;
}

export interface LocalUserPoolEndpoint {
  /** For AWS_ENDPOINT_URL_COGNITO_IDENTITY_PROVIDER. */
  readonly url: string;
  /** ListUsers requests served so far, answered or refused (Cognito publishes no per-request price for them). */
  listUsersCalls(): number;
  close(): Promise<void>;
}

/**
 * Cognito's ListUsers over HTTP as the AWS SDK speaks it (awsJson1_1), for the exact-match filter on the
 * lookup attribute (`preferred_username = "00012"`), which is what the notification worker asks.
 * Any other operation or filter gets the error Cognito gives a request it cannot serve.
 */
export async function startLocalUserPoolEndpoint(accounts: LocalUserPoolAccounts, userPoolId: string): Promise<LocalUserPoolEndpoint> {
  let listUsersCalls = 0;
  const server = createServer((request, response) => {
    listUsersCalls += 1;
    void answer(accounts, userPoolId, request, response).catch((error: unknown) => {
      if (!response.headersSent) response.writeHead(500, { 'content-type': 'text/plain' });
      response.end(error instanceof Error ? error.message : String(error));
    });
  });
  return { url: await listenOnLoopback(server), listUsersCalls: () => listUsersCalls, close: () => closeNow(server) };
}

async function answer(
  accounts: LocalUserPoolAccounts,
  userPoolId: string,
  request: IncomingMessage,
  response: ServerResponse,
): Promise<void> {
  const send = (status: number, payload: object, errorType?: string) => {
    response.writeHead(status, {
      'content-type': 'application/x-amz-json-1.1',
      'x-amzn-requestid': randomUUID(),
      ...(errorType ? { 'x-amzn-errortype': errorType } : {}),
    });
    response.end(JSON.stringify(errorType ? { __type: errorType, ...payload } : payload));
  };
  const target = request.headers['x-amz-target'];
  const body = JSON.parse((await readRequestBody(request, 64 * 1024)) || '{}') as { UserPoolId?: string; Filter?: string };
  if (target !== 'AWSCognitoIdentityProviderService.ListUsers') {
    return send(400, { message: `The local user pool serves only ListUsers, not ${String(target)}` }, 'InvalidParameterException');
  }
  if (body.UserPoolId !== userPoolId)
    return send(400, { message: `User pool ${body.UserPoolId ?? '(none)'} does not exist.` }, 'ResourceNotFoundException');
  const filter = EXACT_FILTER.exec(body.Filter ?? '');
  if (filter?.[1] !== INSURED_ID_LOOKUP_ATTRIBUTE) {
    return send(
      400,
      { message: `The local user pool filters by ${INSURED_ID_LOOKUP_ATTRIBUTE} = "<insuredId>" only, not ${JSON.stringify(body.Filter)}` },
      'InvalidParameterException',
    );
  }
  const user = accounts.userOf(filter[2] ?? '');
  send(200, { Users: user ? [user] : [] });
}
