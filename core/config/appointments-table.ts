/**
 * The DynamoDB table's key design, read by the repository, the CDK stack and the
 * local stack alike. Sort key is the ULID, so a Query on the base table returns
 * an insured person's appointments in creation order with no index.
 */
export const appointmentsTable = {
  partitionKey: 'insuredId',
  sortKey: 'appointmentId',
  /**
   * An insured person's claim on a slot shares their partition under the sort key
   * `~slot#<countryISO>#<scheduleId>`: "~" sorts after every ULID, so a listing stops before claims.
   */
  slotClaimPrefix: '~slot#',
} as const;

/** The CreateTable input the local stack and the tests use (the CDK stack declares the same keys). */
export function appointmentsTableDefinition(tableName: string) {
  return {
    TableName: tableName,
    BillingMode: 'PAY_PER_REQUEST' as const,
    AttributeDefinitions: [
      { AttributeName: appointmentsTable.partitionKey, AttributeType: 'S' as const },
      { AttributeName: appointmentsTable.sortKey, AttributeType: 'S' as const },
    ],
    KeySchema: [
      { AttributeName: appointmentsTable.partitionKey, KeyType: 'HASH' as const },
      { AttributeName: appointmentsTable.sortKey, KeyType: 'RANGE' as const },
    ],
  };
}
