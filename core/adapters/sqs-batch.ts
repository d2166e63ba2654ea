import { BatchProcessor, EventType, processPartialResponse } from '@aws-lambda-powertools/batch';
import type { Context, SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';
import * as z from 'zod/mini';
import { asError, MalformedMessageError } from '../domain/errors';
import type { StructuredLogger } from '../ports';

/**
 * Turns a per-message step into an SQS handler with partial batch responses
 * (Powertools batch): each record's body is read as JSON and parsed with `bodySchema`; a record
 * that fails to parse or whose step throws is logged with its message id and
 * reported in `batchItemFailures`, so SQS redelivers it alone and, after the
 * queue's max receive count, moves it to the DLQ. Its batch mates are unaffected.
 */
export function sqsMessageHandler<Body extends MessageKeys>(
  bodySchema: z.ZodMiniType<Body>,
  step: (body: Body) => Promise<void>,
  logger: StructuredLogger,
): (event: SQSEvent, context: Context) => Promise<SQSBatchResponse> {
  const handleRecord = async (record: SQSRecord): Promise<void> => {
    const where = { messageId: record.messageId, receiveCount: Number(record.attributes?.ApproximateReceiveCount) };
    const parsed = parseBody(bodySchema, record.body);
    if (parsed instanceof MalformedMessageError) {
      logger.error('Message does not parse; it will be retried and then dead-lettered', { ...where, error: parsed });
      throw parsed;
    }
    const body = parsed;
    try {
      await step(body);
    } catch (error) {
      const keys = { ...where, ...keysOf(body) };
      logger.error('Message failed; it will be retried', { ...keys, error: asError(error) });
      throw error;
    }
  };

  return (event, context) =>
    // A processor per invocation: it holds the batch's state, so it is never shared.
    processPartialResponse(event, handleRecord, new BatchProcessor(EventType.SQS), {
      context,
      throwOnFullBatchFailure: false,
    });
}

/** What a message is about, for its failure line: an appointment, or a catalog change (a slot, a publication). */
interface MessageKeys {
  readonly correlationId: string;
  readonly appointmentId?: string;
  readonly scheduleId?: number;
  readonly publicationId?: string;
}

function keysOf({ correlationId, appointmentId, scheduleId, publicationId }: MessageKeys): MessageKeys {
  return {
    correlationId,
    ...(appointmentId && { appointmentId }),
    ...(scheduleId && { scheduleId }),
    ...(publicationId && { publicationId }),
  };
}

/** The record's body as `bodySchema` reads it, or why it cannot be read. */
function parseBody<Body>(bodySchema: z.ZodMiniType<Body>, text: string): Body | MalformedMessageError {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    return new MalformedMessageError('body: not JSON');
  }
  const parsed = z.safeParse(bodySchema, json);
  if (parsed.success) return parsed.data;
  return new MalformedMessageError(parsed.error.issues.map((issue) => `body.${issue.path.join('.')}: ${issue.message}`).join('; '));
}
