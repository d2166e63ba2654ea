import { GetItemCommand } from '@aws-sdk/client-dynamodb';
import { appointmentsTable } from '../../core/config/appointments-table';
import { localDynamoDbClient } from '../dynamodb/dynalite';
import { LOCAL_TABLE_NAME, type LocalStack } from '../stack';

/**
 * What one SDK request costs the local stack in CPU, both ends together: a GetItem through the SDK's DynamoDB client
 * (serialise, sign, HTTP over loopback) answered by the local DynamoDB (parse, read, answer), both on this thread,
 * hot, one at a time, with the rest of the stack idle. Every call a function makes to a local endpoint pays about
 * this, so the requests a booking makes times this is what the local transport alone costs a booking (issue 27).
 */
export async function sdkRoundTripCpuMs(stack: LocalStack, requests = { warmUp: 500, measured: 2000 }): Promise<number> {
  const client = localDynamoDbClient(stack.dynamodbEndpoint);
  const getItem = new GetItemCommand({
    TableName: LOCAL_TABLE_NAME,
    Key: { [appointmentsTable.partitionKey]: { S: 'request-floor' }, [appointmentsTable.sortKey]: { S: 'none' } },
  });
  try {
    for (let index = 0; index < requests.warmUp; index += 1) await client.send(getItem);
    const before = process.cpuUsage();
    for (let index = 0; index < requests.measured; index += 1) await client.send(getItem);
    const spent = process.cpuUsage(before);
    return (spent.user + spent.system) / 1000 / requests.measured;
  } finally {
    client.destroy();
  }
}
