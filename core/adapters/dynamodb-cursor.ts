import { ValidationError } from '../domain/errors';

/**
 * A Query's position as a client holds it (`nextToken`): the LastEvaluatedKey as base64url JSON, opaque to
 * clients and checked on the way back, so a forged or foreign one is the client's error (`invalid`, a message
 * it can show) rather than DynamoDB's ValidationException, a fault.
 */
export function encodeCursor(lastEvaluatedKey: Record<string, unknown>): string {
  return Buffer.from(JSON.stringify(lastEvaluatedKey)).toString('base64url');
}

/** The key `cursor` encodes, if `isValid` accepts it (every value a string); otherwise a ValidationError saying `invalid`. */
export function decodeCursor(cursor: string, isValid: (key: Record<string, unknown>) => boolean, invalid: string): Record<string, string> {
  let key: unknown;
  try {
    key = <unknown>JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    throw new ValidationError([invalid]);
  }
  if (typeof key !== 'object' || key === null || Array.isArray(key)) throw new ValidationError([invalid]);
  const record = key as Record<string, unknown>;
  if (!Object.values(record).every((value) => typeof value === 'string') || !isValid(record)) throw new ValidationError([invalid]);
  return record as Record<string, string>;
}
