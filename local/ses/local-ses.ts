import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { closeNow } from '../network';

/** Every email the local SES accepted, as `GET <url>/store` lists them (aws-ses-v2-local's store). */
export interface SentEmail {
  readonly messageId: string;
  readonly from: string;
  readonly destination: { readonly to: readonly string[]; readonly cc: readonly string[]; readonly bcc: readonly string[] };
  readonly subject: string;
  readonly body: { readonly text?: string; readonly html?: string };
  /** Seconds since the epoch. */
  readonly at: number;
}

/** SES's answer to a send it refuses: the error code (TooManyRequestsException, …), its HTTP status and message. */
export interface SesRefusal {
  readonly code: string;
  readonly statusCode: number;
  readonly message: string;
}

export interface LocalSesHooks {
  /** The error SES answers a SendEmail with (throttled, down), or undefined to send it. */
  readonly refuseSendEmail?: () => SesRefusal | undefined;
}

export interface LocalSes {
  /** The SES v2 endpoint (AWS_ENDPOINT_URL_SESV2) and the page of every sent email. */
  readonly url: string;
  /** Every email sent since the stack started, oldest first. */
  readonly sentEmails: () => Promise<SentEmail[]>;
  /**
   * Emails SES would bill so far: each recipient of each SendEmail it accepted is one
   * (https://aws.amazon.com/ses/pricing/: "each recipient of an email counts as one email sent").
   */
  billedEmails(): number;
  close(): Promise<void>;
}

const SEND_EMAIL_PATH = '/v2/email/outbound-emails';

/**
 * The SES v2 API and a web page of every email sent, from the npm package aws-ses-v2-local (in this
 * process, on a free port). A hook may refuse SendEmail as SES does when it throttles or is down;
 * everything else is the package's own behaviour.
 */
export async function startLocalSes(hooks: LocalSesHooks = {}): Promise<LocalSes> {
  // Loaded when a stack starts, not when this module is imported: it brings express and a mail parser.
  const { default: sesServer } = await import('aws-ses-v2-local');
  const server = await sesServer({ host: '127.0.0.1', port: 0 });
  const billed = interceptSendEmail(server, hooks);
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url,
    sentEmails: async () => {
      const response = await fetch(`${url}/store`);
      if (!response.ok) throw new Error(`The local SES store answered HTTP ${response.status}`);
      return ((await response.json()) as { emails: SentEmail[] }).emails;
    },
    billedEmails: () => billed.emails,
    close: () => closeNow(server),
  };
}

/** Puts the refusal hook and the meter in front of the package's request handler (the server's only one). */
function interceptSendEmail(server: Server, hooks: LocalSesHooks): { emails: number } {
  const billed = { emails: 0 };
  const [served] = server.listeners('request') as ((request: IncomingMessage, response: ServerResponse) => void)[];
  if (!served) return billed;
  server.removeAllListeners('request');
  server.on('request', (request: IncomingMessage, response: ServerResponse) => {
    const sending = request.method === 'POST' && request.url === SEND_EMAIL_PATH;
    const refusal = sending ? hooks.refuseSendEmail?.() : undefined;
    if (!refusal) {
      if (sending) countOnceSent(response, billed);
      return served(request, response);
    }
    // SES v2 is a REST-JSON API: the error's code travels in x-amzn-ErrorType.
    response.writeHead(refusal.statusCode, { 'content-type': 'application/json', 'x-amzn-errortype': refusal.code });
    response.end(JSON.stringify({ message: refusal.message }));
  });
  return billed;
}

/**
 * Counts a SendEmail once SES answered it 200. One email per call: the notification worker sends each to its one
 * insured person (core/adapters/ses-email-sender.ts); reading the request's recipients here would race the package
 * for the body's stream.
 */
function countOnceSent(response: ServerResponse, billed: { emails: number }): void {
  response.on('finish', () => {
    if (response.statusCode === 200) billed.emails += 1;
  });
}
