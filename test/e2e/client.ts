import { DynamoDBDocumentClient, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { appointmentsTable } from '../../core/config/appointments-table';
import { localDynamoDbClient } from '../../local/dynamodb/dynalite';
import type { RouterEvent } from '../../local/router/router';
import type { LocalStack } from '../../local/stack';

export { apiClient } from '../../local/api-client';
// New tests get one with `given.anInsuredPerson()` (test/steps/given.ts); the e2e files that have not moved to the steps import it here.
export { newInsuredId } from '../support/insured-ids';

/** Asks again until `done` holds for the answer or the deadline passes; returns the last answer either way. */
export async function pollUntil<Answer>(
  ask: () => Promise<Answer>,
  done: (answer: Answer) => boolean,
  deadlineMs: number,
): Promise<Answer> {
  const deadline = Date.now() + deadlineMs;
  for (;;) {
    const answer = await ask();
    if (done(answer) || Date.now() > deadline) return answer;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** What the table holds for an insured person, read straight from the local DynamoDB (not through the API). */
export async function storedItems(stack: LocalStack, insuredId: string): Promise<Record<string, unknown>[]> {
  const client = localDynamoDbClient(stack.dynamodbEndpoint);
  try {
    const result = await DynamoDBDocumentClient.from(client).send(
      new QueryCommand({
        TableName: stack.tableName,
        KeyConditionExpression: '#pk = :insuredId',
        ExpressionAttributeNames: { '#pk': appointmentsTable.partitionKey },
        ExpressionAttributeValues: { ':insuredId': insuredId },
        ConsistentRead: true,
      }),
    );
    return result.Items ?? [];
  } finally {
    client.destroy();
  }
}

/** What the stack published on SNS while `action` ran. */
export async function publishedDuring(stack: LocalStack, action: () => Promise<unknown>): Promise<RouterEvent[]> {
  const published: RouterEvent[] = [];
  const listener = (event: RouterEvent) => event.type === 'published' && published.push(event);
  stack.router.on('event', listener);
  try {
    await action();
  } finally {
    stack.router.off('event', listener);
  }
  return published;
}
