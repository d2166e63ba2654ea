import { createServer } from 'node:http';
import { GetItemCommand, PutItemCommand } from '@aws-sdk/client-dynamodb';
import { inFlightRequests, listenOnLoopback } from '../../local/network';
import { appointmentsTable } from '../../core/config/appointments-table';
import { ensureAppointmentsTable, localDynamoDbClient, startLocalDynamoDb } from '../../local/dynamodb/dynalite';

/**
 * The local stack stops its functions before DynamoDB, but a request a function sent just before it stopped
 * is still being served: stopping must let that write answer, never close the store under it (which throws
 * out of dynalite, failing whichever test suite stopped its stack at that moment).
 */
describe('the local DynamoDB, stopped while writes are in flight', () => {
  it('given writes sent just before the stop, when the local DynamoDB closes, then every write it had received answers', async () => {
    for (let round = 0; round < 5; round++) {
      const dynamodb = await startLocalDynamoDb();
      const client = localDynamoDbClient(dynamodb.endpoint);
      await ensureAppointmentsTable(client, 'appointments');
      const item = (id: number) => ({ [appointmentsTable.partitionKey]: { S: `a${id}` }, [appointmentsTable.sortKey]: { S: 'x' } });
      const writes = Array.from({ length: 40 }, (_, id) =>
        client.send(new PutItemCommand({ TableName: 'appointments', Item: item(id) })).then(
          () => 'answered',
          () => 'refused',
        ),
      );
      while ((dynamodb.operations.get('PutItem') ?? 0) === 0) await new Promise((resolve) => setImmediate(resolve));

      const received = dynamodb.operations.get('PutItem') ?? 0;
      await dynamodb.close();

      const outcomes = await Promise.all(writes);
      // Writes the store had received answer; later ones find the endpoint closed. None crashes the process.
      expect(outcomes.filter((outcome) => outcome === 'answered').length).toBeGreaterThanOrEqual(received);
      client.destroy();
    }
  });

  it('given clients that keep writing over kept-alive connections, when the local DynamoDB closes, then the writes after the close began are refused before the store sees them', async () => {
    for (let round = 0; round < 5; round++) {
      const dynamodb = await startLocalDynamoDb();
      const client = localDynamoDbClient(dynamodb.endpoint);
      await ensureAppointmentsTable(client, 'appointments');
      const outcomes = { answered: 0, refused: 0 };
      // Each writer sends its next write as soon as the last one answers: on the same connection, the SDK keeps it alive.
      const writer = async (writerId: number) => {
        for (let id = 0; ; id++) {
          const Item = { [appointmentsTable.partitionKey]: { S: `w${writerId}-${id}` }, [appointmentsTable.sortKey]: { S: 'x' } };
          try {
            await client.send(new PutItemCommand({ TableName: 'appointments', Item }));
            outcomes.answered += 1;
          } catch {
            outcomes.refused += 1;
            return;
          }
        }
      };
      const writers = Promise.all(Array.from({ length: 8 }, (_, writerId) => writer(writerId)));
      while ((dynamodb.operations.get('PutItem') ?? 0) < 40) await new Promise((resolve) => setImmediate(resolve));

      await dynamodb.close();
      await writers;

      // Every writer ends refused; none of the writes met a closed store (dynalite throws that out of the process).
      expect(outcomes.refused).toBe(8);
      expect(outcomes.answered).toBeGreaterThanOrEqual(40);
      client.destroy();
    }
  });

  it('given a request still running when the grace ends, when a store kept in memory closes, then the store is left open for it: it finishes, nothing throws', async () => {
    // A server whose close, like dynalite's, also closes its store; its one handler takes longer than the grace.
    let storeClosed = false;
    let writtenToAClosedStore = false;
    const server = createServer((_request, response) => {
      setTimeout(() => {
        writtenToAClosedStore = storeClosed;
        response.end('{}');
      }, 300);
    });
    const closeServer = server.close.bind(server);
    server.close = (callback?: (error?: Error) => void) => {
      storeClosed = true;
      return closeServer(callback);
    };
    const requests = inFlightRequests(server);
    const url = await listenOnLoopback(server);
    const slow = fetch(url).catch(() => undefined);
    await new Promise((resolve) => setTimeout(resolve, 50));

    await requests.closeWhenAnswered(10, { closeStore: false });
    await slow;
    await new Promise((resolve) => setTimeout(resolve, 400));

    expect({ storeClosed, writtenToAClosedStore }).toEqual({ storeClosed: false, writtenToAClosedStore: false });
  });

  it('given a stopped local DynamoDB, when a client writes, then the write is refused rather than lost silently', async () => {
    const dynamodb = await startLocalDynamoDb();
    const client = localDynamoDbClient(dynamodb.endpoint);
    await ensureAppointmentsTable(client, 'appointments');
    await dynamodb.close();

    await expect(
      client.send(
        new GetItemCommand({
          TableName: 'appointments',
          Key: { [appointmentsTable.partitionKey]: { S: 'a' }, [appointmentsTable.sortKey]: { S: 'x' } },
        }),
      ),
    ).rejects.toThrow();
    client.destroy();
  });
});
