import {
  IdempotencyAlreadyInProgressError,
  IdempotencyConfig,
  IdempotencyItemNotFoundError,
  makeIdempotent,
} from '@aws-lambda-powertools/idempotency';
import { DynamoDBPersistenceLayer } from '@aws-lambda-powertools/idempotency/dynamodb';
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { Context } from 'aws-lambda';
import { idempotencyRecordAttributes } from '../config/idempotency-records';
import type { StructuredLogger } from '../ports';

export interface IdempotentStepOptions {
  readonly tableName: string;
  readonly dynamodb: DynamoDBClient;
  /** JMESPath over the step's input: the values that make two inputs the same piece of work. */
  readonly keyJmesPath: string;
  readonly expiresAfterSeconds: number;
  readonly logger: StructuredLogger;
}

export interface IdempotentStep<Input> {
  /** Lets an in-progress record expire with the invocation, so a crash mid-step frees the work for a retry. */
  readonly registerLambdaContext: (context: Context) => void;
  readonly run: (input: Input) => Promise<void>;
}

/** How often, and how far apart, a copy that finds its work in progress elsewhere looks again before giving up. */
const IN_PROGRESS_CHECKS = 8;
const IN_PROGRESS_WAIT_MS = 250;

/**
 * A queue consumer's step done once per key (Powertools idempotency on DynamoDB): the first delivery's
 * outcome is recorded and later deliveries answer with it. A copy that finds the same work in progress
 * (duplicates often share a batch) looks again shortly: by then the other copy has recorded its outcome,
 * or failed and freed the work for this one. Only if it is still in progress does this copy fail, to be
 * retried after its visibility timeout; it is never dropped on the other copy's word.
 */
export function idempotentStep<Input extends { appointmentId: string; correlationId: string }>(
  step: (input: Input) => Promise<unknown>,
  options: IdempotentStepOptions,
): IdempotentStep<Input> {
  const config = new IdempotencyConfig({
    eventKeyJmesPath: options.keyJmesPath,
    throwOnNoIdempotencyKey: true,
    expiresAfterSeconds: options.expiresAfterSeconds,
  });
  const once = makeIdempotent(step, {
    persistenceStore: new DynamoDBPersistenceLayer({
      tableName: options.tableName,
      awsSdkV3Client: options.dynamodb,
      keyAttr: idempotencyRecordAttributes.key,
      expiryAttr: idempotencyRecordAttributes.expiry,
    }),
    config,
  });
  return {
    registerLambdaContext: (context) => config.registerLambdaContext(context),
    run: async (input) => {
      for (let check = 1; ; check += 1) {
        try {
          await once(input);
          return;
        } catch (error) {
          // The twin's record was there when this copy tried to claim the work and gone when it read it: the
          // twin failed meanwhile and freed the work, so this copy claims it again at once.
          if (error instanceof IdempotencyItemNotFoundError && check < IN_PROGRESS_CHECKS) continue;
          if (!(error instanceof IdempotencyAlreadyInProgressError) || check === IN_PROGRESS_CHECKS) throw error;
          if (check === 1)
            options.logger.info('Another delivery of this message is in progress; waiting for its outcome', {
              appointmentId: input.appointmentId,
              correlationId: input.correlationId,
            });
          await new Promise((resolve) => setTimeout(resolve, IN_PROGRESS_WAIT_MS));
        }
      }
    },
  };
}
