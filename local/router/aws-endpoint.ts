import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { closeNow, listenOnLoopback, readRequestBody } from '../network';
import type { SnsMessageAttribute } from './matching';
import { AwsServiceError, type LocalRouter, type PublishInput, type PutEventsEntry } from './router';

const MAX_BODY_BYTES = 1024 * 1024;
const SNS_XMLNS = 'http://sns.amazonaws.com/doc/2010-03-31/';
/** Where an operator reads and moves queue messages (see handleAdmin). */
export const ADMIN_PREFIX = '/_local/queues';

export interface LocalAwsEndpoint {
  /** For AWS_ENDPOINT_URL_SNS and AWS_ENDPOINT_URL_EVENTBRIDGE. */
  readonly url: string;
  close(): Promise<void>;
}

/**
 * The SNS and EventBridge APIs the functions call, over HTTP as the AWS SDK speaks
 * them: SNS `Publish` (awsQuery: form-encoded request, XML response) and
 * EventBridge `PutEvents` (awsJson1_1). Anything else gets the error AWS gives an
 * unknown action. Signatures are not checked.
 */
export async function startLocalAwsEndpoint(router: LocalRouter, options: { port?: number } = {}): Promise<LocalAwsEndpoint> {
  const server = createServer((request, response) => {
    void handle(router, request, response).catch((error: unknown) => {
      if (!response.headersSent) response.writeHead(500, { 'content-type': 'text/plain' });
      response.end(error instanceof Error ? error.message : String(error));
    });
  });
  return { url: await listenOnLoopback(server, options.port), close: () => closeNow(server) };
}

async function handle(router: LocalRouter, request: IncomingMessage, response: ServerResponse): Promise<void> {
  const requestId = randomUUID();
  const body = await readRequestBody(request, MAX_BODY_BYTES);
  const path = new URL(request.url ?? '/', 'http://local').pathname;
  if (path.startsWith(ADMIN_PREFIX)) {
    handleAdmin(router, request.method ?? 'GET', path.slice(ADMIN_PREFIX.length), body, response);
    return;
  }
  const target = request.headers['x-amz-target'];
  if (typeof target === 'string') {
    handleJson(router, target, body, requestId, response);
    return;
  }
  handleQuery(router, new URLSearchParams(body), requestId, response);
}

function handleJson(router: LocalRouter, target: string, body: string, requestId: string, response: ServerResponse): void {
  const send = (status: number, payload: unknown, errorType?: string) => {
    response.writeHead(status, {
      'content-type': 'application/x-amz-json-1.1',
      'x-amzn-requestid': requestId,
      ...(errorType ? { 'x-amzn-errortype': errorType } : {}),
    });
    response.end(JSON.stringify(payload));
  };
  if (target !== 'AWSEvents.PutEvents') {
    send(
      400,
      { __type: 'UnknownOperationException', message: `The local stack serves only AWSEvents.PutEvents, not ${target}` },
      'UnknownOperationException',
    );
    return;
  }
  let input: { Entries?: PutEventsEntry[] };
  try {
    input = JSON.parse(body) as { Entries?: PutEventsEntry[] };
  } catch {
    send(400, { __type: 'SerializationException', message: 'The request body is not valid JSON' }, 'SerializationException');
    return;
  }
  try {
    const entries = router.putEvents(input.Entries ?? []);
    send(200, { FailedEntryCount: entries.filter((entry) => 'ErrorCode' in entry).length, Entries: entries });
  } catch (error) {
    if (!(error instanceof AwsServiceError)) throw error;
    send(error.statusCode, { __type: error.code, message: error.message }, error.code);
  }
}

function handleQuery(router: LocalRouter, params: URLSearchParams, requestId: string, response: ServerResponse): void {
  const send = (status: number, xml: string) => {
    response.writeHead(status, { 'content-type': 'text/xml', 'x-amzn-requestid': requestId });
    response.end(`<?xml version="1.0"?>\n${xml}`);
  };
  const action = params.get('Action');
  try {
    if (action !== 'Publish') {
      throw new AwsServiceError(
        'InvalidAction',
        `The action ${action ?? '(none)'} is not valid for this endpoint: the local stack serves only SNS Publish.`,
      );
    }
    const input: PublishInput = {
      TopicArn: params.get('TopicArn') ?? undefined,
      Message: params.get('Message') ?? undefined,
      MessageStructure: params.get('MessageStructure') ?? undefined,
      MessageAttributes: queryMessageAttributes(params),
    };
    const { MessageId } = router.publish(input);
    send(
      200,
      `<PublishResponse xmlns="${SNS_XMLNS}"><PublishResult><MessageId>${MessageId}</MessageId></PublishResult><ResponseMetadata><RequestId>${requestId}</RequestId></ResponseMetadata></PublishResponse>`,
    );
  } catch (error) {
    if (!(error instanceof AwsServiceError)) throw error;
    send(
      error.statusCode,
      `<ErrorResponse xmlns="${SNS_XMLNS}"><Error><Type>Sender</Type><Code>${escapeXml(error.code)}</Code><Message>${escapeXml(error.message)}</Message></Error><RequestId>${requestId}</RequestId></ErrorResponse>`,
    );
  }
}

/**
 * The queues for an operator, as JSON over HTTP:
 *   GET  /_local/queues                      every queue's depth
 *   GET  /_local/queues/<queue>/messages     the messages a queue (a DLQ, say) holds, as SQS records
 *   POST /_local/queues/<queue>/messages     puts the request body on the queue as a message
 *   POST /_local/queues/<dlq>/redrive        moves a DLQ's messages back to its source queue (the DLQ's or the
 *                                            source queue's name): { moved, from, to, messages: [{ messageId, body }] }
 */
function handleAdmin(router: LocalRouter, method: string, path: string, body: string, response: ServerResponse): void {
  const send = (status: number, payload: unknown) => {
    response.writeHead(status, { 'content-type': 'application/json' });
    response.end(`${JSON.stringify(payload, null, 2)}\n`);
  };
  const [queue, action, ...rest] = path.split('/').filter(Boolean).map(decodeURIComponent);
  try {
    if (method === 'GET' && queue === undefined) return send(200, router.stats());
    if (queue !== undefined && rest.length === 0) {
      if (method === 'GET' && action === 'messages') return send(200, router.messages(queue));
      if (method === 'POST' && action === 'messages') return send(200, { messageId: router.sendMessage(queue, body) });
      if (method === 'POST' && action === 'redrive') {
        const { deadLetterQueue, sourceQueue, messages } = router.redriveMessages(queue);
        return send(200, { moved: messages.length, from: deadLetterQueue, to: sourceQueue, messages });
      }
    }
    send(404, { message: `No ${method} ${ADMIN_PREFIX}${path}: see local/router/aws-endpoint.ts` });
  } catch (error) {
    send(400, { message: error instanceof Error ? error.message : String(error) });
  }
}

/** `MessageAttributes.entry.N.Name` / `.Value.DataType` / `.Value.StringValue` / `.Value.BinaryValue`, as awsQuery flattens the map. */
function queryMessageAttributes(params: URLSearchParams): Record<string, SnsMessageAttribute> {
  const attributes: Record<string, SnsMessageAttribute> = {};
  for (let index = 1; params.has(`MessageAttributes.entry.${index}.Name`); index += 1) {
    const prefix = `MessageAttributes.entry.${index}`;
    const name = params.get(`${prefix}.Name`) ?? '';
    const stringValue = params.get(`${prefix}.Value.StringValue`);
    const binaryValue = params.get(`${prefix}.Value.BinaryValue`);
    attributes[name] = {
      DataType: params.get(`${prefix}.Value.DataType`) ?? '',
      ...(stringValue !== null ? { StringValue: stringValue } : {}),
      ...(binaryValue !== null ? { BinaryValue: binaryValue } : {}),
    };
  }
  return attributes;
}

function escapeXml(text: string): string {
  return text.replace(/[<>&'"]/g, (character) => `&#${character.charCodeAt(0)};`);
}
