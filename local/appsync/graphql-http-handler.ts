import type { IncomingMessage, ServerResponse } from 'node:http';
import { getOperationAST, GraphQLError, OperationTypeNode, type DocumentNode } from 'graphql';
import type { LocalLogger } from '../log';
import { readRequestBody } from '../network';
import { appSyncErrorJson } from './appsync-error';
import { authenticate, AuthenticationError, type AuthenticatedCaller, type Authenticator } from './authentication';
import type { AppSyncMeter } from './appsync-usage';
import type { AppSyncAnswer, LocalExecutor } from './executor';
import { introspectionRefusal } from './request-limits';

/**
 * POST /graphql as AppSync answers it: authenticate (401 otherwise), parse and, with
 * introspection off, refuse `__schema` / `__type`; then validate and run the operation,
 * answering 200 with `data` and AppSync-shaped `errors`. A browser's CORS preflight
 * gets the headers that let the explorer or a web app call from another origin.
 */
export interface GraphqlHttpOptions {
  readonly executor: LocalExecutor;
  readonly authenticator: Authenticator;
  readonly logger: LocalLogger;
  readonly introspection?: boolean;
  /** Where answered requests are counted (local/appsync/appsync-usage.ts). */
  readonly meter?: AppSyncMeter;
}

interface HttpAnswer {
  readonly status: number;
  /** Who passed authentication; undefined when the request was refused before. */
  readonly caller?: AuthenticatedCaller;
  readonly body: AppSyncAnswer | { errors: { errorType: string; message: string }[] };
}

const CORS_HEADERS = { 'access-control-allow-origin': '*' };

export function answerPreflight(request: IncomingMessage, response: ServerResponse): void {
  response.writeHead(204, {
    ...CORS_HEADERS,
    'access-control-allow-methods': 'POST, OPTIONS',
    'access-control-allow-headers': String(request.headers['access-control-request-headers'] ?? 'content-type, x-api-key, authorization'),
    'access-control-max-age': '86400',
  });
  response.end();
}

export async function handleGraphqlPost(request: IncomingMessage, response: ServerResponse, options: GraphqlHttpOptions): Promise<void> {
  const { status, body, caller } = await answerOf(request, await readRequestBody(request), options);
  if (status !== 200) options.logger.info('Request refused before any resolver ran', { status, error: body.errors?.[0]?.message });
  const bytes = answerJson(response, status, body);
  options.meter?.answered(caller, status, bytes);
}

/** Answers `body` as JSON; returns the bytes of the body sent. */
export function answerJson(response: ServerResponse, status: number, body: unknown): number {
  const json = JSON.stringify(body);
  response.writeHead(status, { 'content-type': 'application/json; charset=utf-8', ...CORS_HEADERS });
  response.end(json);
  return Buffer.byteLength(json, 'utf8');
}

async function answerOf(request: IncomingMessage, body: string, options: GraphqlHttpOptions): Promise<HttpAnswer> {
  let payload: { query?: unknown; variables?: unknown; operationName?: unknown };
  try {
    payload = JSON.parse(body) as typeof payload;
  } catch {
    return refused(400, 'MalformedHttpRequestException', 'Invalid JSON payload in POST request.');
  }
  let caller: AuthenticatedCaller;
  try {
    caller = await authenticate({ method: 'POST', url: request.url ?? '/graphql', headers: request.headers, body }, options.authenticator);
  } catch (error) {
    if (error instanceof AuthenticationError) return refused(401, error.name, error.message);
    throw error;
  }
  if (typeof payload.query !== 'string' || payload.query.trim() === '')
    return refused(400, 'MalformedHttpRequestException', 'The request has no query.');
  let document: DocumentNode;
  try {
    document = options.executor.parse(payload.query);
  } catch (error) {
    return refused(400, 'GraphQLSyntaxError', error instanceof GraphQLError ? error.message : String(error));
  }
  const introspectionErrors = options.introspection === false ? introspectionRefusal(document) : undefined;
  if (introspectionErrors) return { status: 200, caller, body: { data: null, errors: introspectionErrors.map(appSyncErrorJson) } };
  const invalid = options.executor.validationRefusal(document);
  if (invalid) return { status: 200, caller, body: invalid };
  const operationName = typeof payload.operationName === 'string' ? payload.operationName : undefined;
  if (getOperationAST(document, operationName)?.operation === OperationTypeNode.SUBSCRIPTION) {
    return refused(
      400,
      'UnsupportedOperation',
      'Subscriptions are served over the realtime websocket (/graphql/realtime), not POST /graphql.',
    );
  }
  const variables = payload.variables && typeof payload.variables === 'object' ? (payload.variables as Record<string, unknown>) : undefined;
  const context = { caller, headers: request.headers, sourceIp: request.socket.remoteAddress ?? '127.0.0.1' };
  return { status: 200, caller, body: await options.executor.execute({ document, variables, operationName }, context) };
}

function refused(status: number, errorType: string, message: string): HttpAnswer {
  return { status, body: { errors: [{ errorType, message }] } };
}
