/**
 * The attributes of the idempotency records (Powertools' DynamoDB persistence layer), named once for the
 * worker that writes them (core/adapters/idempotent-step.ts), the table the CDK stack declares and the one
 * the local stack creates: the record's key, and its expiry in epoch seconds (the table's TTL attribute).
 */
export const idempotencyRecordAttributes = { key: 'id', expiry: 'expiration' } as const;
