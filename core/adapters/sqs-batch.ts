import { BatchProcessor, EventType, processPartialResponse } from '@aws-lambda-powertools/batch';
import { JSONStringified } from '@aws-lambda-powertools/parser/helpers';
import { SqsRecordSchema } from '@aws-lambda-powertools/parser/schemas';
import type { Context, SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';
import type { z } from 'zod';
import { asError, MalformedMessageError } from '../errors';
import type { StructuredLogger } from '../ports';

/**
 * Turns a per-message step into an SQS handler with partial batch responses
 * (Powertools batch): each record's body is parsed with `bodySchema`; a record
 * that fails to parse or whose step throws is logged with its message id and
 * reported in `batchItemFailures`, so SQS redelivers it alone and, after the
 * queue's max receive count, moves it to the DLQ. Its batch mates are unaffected.
 */
export function sqsMessageHandler<Body extends { appointmentId: string; correlationId: string }>(
  bodySchema: z.ZodType<Body>,
  step: (body: Body) => Promise<void>,
  logger: StructuredLogger,
): (event: SQSEvent, context: Context) => Promise<SQSBatchResponse> {
  const recordSchema = SqsRecordSchema.extend({ body: JSONStringified(bodySchema) });

  const handleRecord = async (record: SQSRecord): Promise<void> => {
    const where = { messageId: record.messageId, receiveCount: Number(record.attributes?.ApproximateReceiveCount) };
    const parsed = recordSchema.safeParse(record);
    if (!parsed.success) {
      const error = new MalformedMessageError(parsed.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`).join('; '));
      logger.error('Message does not parse; it will be retried and then dead-lettered', { ...where, error });
      throw error;
    }
    const body = parsed.data.body;
    try {
      await step(body);
    } catch (error) {
      const keys = { ...where, appointmentId: body.appointmentId, correlationId: body.correlationId };
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
