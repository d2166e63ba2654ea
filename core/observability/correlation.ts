import type { AppSyncResolverEvent, Context } from 'aws-lambda';

/** Header a client may send to tie its own logs to ours. */
export const CORRELATION_HEADER = 'x-correlation-id';
const ACCEPTABLE = /^[A-Za-z0-9._:-]{1,128}$/;

/** The client's correlation id when it sent a sensible one, else this invocation's request id. */
export function correlationIdOf(event: Pick<AppSyncResolverEvent<unknown>, 'request'>, context: Pick<Context, 'awsRequestId'>): string {
  const fromClient = event.request?.headers?.[CORRELATION_HEADER];
  return typeof fromClient === 'string' && ACCEPTABLE.test(fromClient) ? fromClient : context.awsRequestId;
}
