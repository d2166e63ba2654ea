import { DynamoDBDocumentClient, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { appointmentsTable } from '../../core/config/appointments-table';
import { localDynamoDbClient } from '../../local/dynamodb/dynalite';
import type { RouterEvent } from '../../local/router/router';
import type { LocalStack } from '../../local/stack';
import type { CountryISO, Slot } from '../../core/graphql/types.generated';
import { apiClient } from '../../local/api-client';

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

/** A doctor's free slots from `date` (UTC) for two days, as an app browses them once the pipeline is idle. */
export async function doctorsFreeSlots(stack: LocalStack, countryISO: CountryISO, doctorId: string, date: string): Promise<Slot[]> {
  await stack.router.waitForIdle();
  const answer = await apiClient(stack).availableSlots({
    countryISO,
    from: `${date}T00:00:00Z`,
    to: new Date(Date.parse(`${date}T00:00:00Z`) + 2 * 86_400_000).toISOString(),
    doctorId,
  });
  if (answer.errors) throw new Error(`availableSlots was refused: ${JSON.stringify(answer.errors)}`);
  return answer.data?.availableSlots.items ?? [];
}
