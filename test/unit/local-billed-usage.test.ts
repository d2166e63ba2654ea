import { CreateTableCommand, DynamoDBClient, GetItemCommand, PutItemCommand, QueryCommand } from '@aws-sdk/client-dynamodb';
import {
  LOCAL_CREDENTIALS,
  LOCAL_REGION,
  localDynamoDbClient,
  startLocalDynamoDb,
  type LocalDynamoDb,
} from '../../local/dynamodb/dynalite';
import { platformLogBytes } from '../../local/lambda/lambda-usage';
import { AppSyncMeter } from '../../local/appsync/appsync-usage';
import { LocalRouter } from '../../local/router/router';
import { LongPollers } from '../../local/router/router-usage';
import { topology } from '../../core/config/topology';

const TABLE = 'slots-billed';
/** A string attribute of about `bytes` bytes, to size items. */
const filler = (bytes: number) => ({ S: 'x'.repeat(bytes) });
const localClientConfig = (endpoint: string) => ({ endpoint, region: LOCAL_REGION, credentials: LOCAL_CREDENTIALS });

describe('local DynamoDB bills request units as DynamoDB on demand does', () => {
  let dynamodb: LocalDynamoDb;
  let client: DynamoDBClient;
  const unitsOf = async (request: () => Promise<unknown>) => {
    const before = dynamodb.usage();
    await request();
    const after = dynamodb.usage();
    return { write: after.writeUnits - before.writeUnits, read: after.readUnits - before.readUnits };
  };

  beforeAll(async () => {
    dynamodb = await startLocalDynamoDb();
    client = localDynamoDbClient(dynamodb.endpoint);
    // A sparse free-slot index with every attribute projected, as the slot read model's.
    await client.send(
      new CreateTableCommand({
        TableName: TABLE,
        BillingMode: 'PAY_PER_REQUEST',
        AttributeDefinitions: [
          { AttributeName: 'pk', AttributeType: 'S' },
          { AttributeName: 'freeIn', AttributeType: 'S' },
        ],
        KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }],
        GlobalSecondaryIndexes: [
          { IndexName: 'free', KeySchema: [{ AttributeName: 'freeIn', KeyType: 'HASH' }], Projection: { ProjectionType: 'ALL' } },
        ],
      }),
    );
  });

  afterAll(async () => {
    client.destroy();
    await dynamodb.close();
  });

  it('bills a put once for the table and once for each index the item enters', async () => {
    // Given a small free slot, when it is put, then the table and the free index each take a unit
    let answer: { ConsumedCapacity?: unknown } = {};
    const put = async () => {
      answer = await client.send(new PutItemCommand({ TableName: TABLE, Item: { pk: { S: 'slot-1' }, freeIn: { S: 'PE' } } }));
    };
    expect(await unitsOf(put)).toEqual({ write: 2, read: 0 });
    // And the caller, which asked for no ConsumedCapacity, gets none, as from DynamoDB
    expect(answer.ConsumedCapacity).toBeUndefined();
  });

  it('bills the index entry a put removes, and the caller still gets no old item it did not ask for', async () => {
    // Given the free slot of the test before, when it is put again booked (no free key)
    let answer: { Attributes?: unknown } = {};
    const units = await unitsOf(async () => {
      answer = await client.send(new PutItemCommand({ TableName: TABLE, Item: { pk: { S: 'slot-1' }, bookedBy: { S: '00012' } } }));
    });
    // Then the table's write and the index entry's removal are billed, and the answer carries no Attributes
    expect(units.write).toBe(2);
    expect(answer.Attributes).toBeUndefined();
  });

  it('bills a write by the started kilobyte and a read by the started 4 KB, eventual reads at half', async () => {
    // Given an item of about 3 KB outside the index
    const put = () => client.send(new PutItemCommand({ TableName: TABLE, Item: { pk: { S: 'big' }, body: filler(3_000) } }));
    // When it is written, read eventually consistent, and read strongly consistent
    const written = await unitsOf(put);
    const eventual = await unitsOf(() => client.send(new GetItemCommand({ TableName: TABLE, Key: { pk: { S: 'big' } } })));
    const strong = await unitsOf(() =>
      client.send(new GetItemCommand({ TableName: TABLE, Key: { pk: { S: 'big' } }, ConsistentRead: true })),
    );
    // Then it costs 3 write units, half a read unit, then one
    expect(written.write).toBe(3);
    expect(eventual.read).toBe(0.5);
    expect(strong.read).toBe(1);
  });

  it('answers a read with its item whole and no ConsumedCapacity unasked, and with it when asked', async () => {
    // Given an item with an attribute named as DynamoDB's own answer field
    const Item = { pk: { S: 'named' }, ConsumedCapacity: { M: { CapacityUnits: { N: '7' } } } };
    await client.send(new PutItemCommand({ TableName: TABLE, Item }));
    // When it is read without asking for capacity, and then asking for it
    const unasked = await client.send(new GetItemCommand({ TableName: TABLE, Key: { pk: { S: 'named' } } }));
    const asked = await client.send(new GetItemCommand({ TableName: TABLE, Key: { pk: { S: 'named' } }, ReturnConsumedCapacity: 'TOTAL' }));
    // Then both carry the item as stored, and only the second the capacity it consumed
    expect(unasked.Item).toEqual(Item);
    expect(unasked.ConsumedCapacity).toBeUndefined();
    expect(asked.Item).toEqual(Item);
    expect(asked.ConsumedCapacity).toEqual({ TableName: TABLE, CapacityUnits: 0.5 });
  });

  it('bills a read whose caller asked for no capacity (NONE), and answers it none', async () => {
    // Given an item, when it is read with ReturnConsumedCapacity NONE
    let answer: { ConsumedCapacity?: unknown; Item?: unknown } = {};
    const read = await unitsOf(async () => {
      answer = await client.send(new GetItemCommand({ TableName: TABLE, Key: { pk: { S: 'named' } }, ReturnConsumedCapacity: 'NONE' }));
    });
    // Then the read is billed, and the caller gets its item and no ConsumedCapacity
    expect(read.read).toBe(0.5);
    expect(answer.Item).toBeDefined();
    expect(answer.ConsumedCapacity).toBeUndefined();
  });

  it('bills a query page by the bytes it read', async () => {
    // Given two free slots of about 2.5 KB each in the index
    for (const pk of ['a', 'b'])
      await client.send(new PutItemCommand({ TableName: TABLE, Item: { pk: { S: pk }, freeIn: { S: 'CL' }, body: filler(2_500) } }));
    // When one page reads both
    const read = await unitsOf(() =>
      client.send(
        new QueryCommand({
          TableName: TABLE,
          IndexName: 'free',
          KeyConditionExpression: 'freeIn = :country',
          ExpressionAttributeValues: { ':country': { S: 'CL' } },
        }),
      ),
    );
    // Then the page's 5 KB are two strongly consistent units, halved: eventually consistent, as an index is
    expect(read.read).toBe(1);
  });

  it('bills a write its condition refused', async () => {
    // Given an item that exists, when a put that requires its absence is refused
    const refused = await unitsOf(() =>
      client
        .send(
          new PutItemCommand({
            TableName: TABLE,
            Item: { pk: { S: 'big' } },
            ConditionExpression: 'attribute_not_exists(pk)',
          }),
        )
        .catch(() => undefined),
    );
    // Then it still costs a write unit
    expect(refused.write).toBe(1);
  });
});

describe('local DynamoDB names who asked for the units', () => {
  it("bills each function's units to the SDK app id it names itself with", async () => {
    // Given a local DynamoDB and a caller that names itself as the local functions do
    const dynamodb = await startLocalDynamoDb();
    const client = new DynamoDBClient({ ...localClientConfig(dynamodb.endpoint), userAgentAppId: 'fn-0123abcd' });
    try {
      await client.send(
        new CreateTableCommand({
          TableName: 'named',
          BillingMode: 'PAY_PER_REQUEST',
          AttributeDefinitions: [{ AttributeName: 'pk', AttributeType: 'S' }],
          KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }],
        }),
      );
      // When it writes a small item
      await client.send(new PutItemCommand({ TableName: 'named', Item: { pk: { S: 'one' } } }));
      // Then its unit is billed to it
      expect(dynamodb.usage().byCaller['fn-0123abcd']).toEqual({ writeUnits: 1, readUnits: 0 });
    } finally {
      client.destroy();
      await dynamodb.close();
    }
  });
});

describe("Lambda's SQS pollers make empty receives while the queue is idle", () => {
  it('makes one empty receive per poller every 20 seconds of an idle queue', () => {
    // Given an event source mapping polling since 0, when a minute passes with no message
    const pollers = new LongPollers(0);
    // Then each of its five pollers made three empty receives
    expect(pollers.emptyReceivesBy(60_000)).toBe(15);
  });

  it('makes none on the poll that found messages, and counts nothing after it stopped', () => {
    // Given pollers since 0 of which one finds a batch at 10 s, and that stop at 60 s
    const pollers = new LongPollers(0);
    pollers.received(10_000);
    pollers.stop(60_000);
    // When counted long after, then four pollers made 3 empty receives and the one that received made 2 after it
    expect(pollers.emptyReceivesBy(600_000)).toBe(14);
  });
});

describe("Lambda's own log lines", () => {
  it("grow by an invocation's START, END and REPORT lines, the REPORT carrying the fresh start's Init Duration", () => {
    // Given one request, when its lines are sized warm and fresh
    const warm = platformLogBytes('8f507cfc-1111-4697-b07a-ac58fc914c95', 41.2, 512);
    const fresh = platformLogBytes('8f507cfc-1111-4697-b07a-ac58fc914c95', 41.2, 512, 180.4);
    // Then a warm invocation logs about 250 bytes and a fresh one the Init Duration more
    expect(warm).toBeGreaterThan(200);
    expect(fresh - warm).toBe('Init Duration: 180.40 ms\t'.length);
  });
});

describe('the local router counts the SNS, SQS and EventBridge requests it stands in for', () => {
  let router: LocalRouter;
  const [route] = topology.countryRoutes;

  beforeEach(() => {
    router = new LocalRouter({ region: 'us-east-1' });
    // Each consumer succeeds on everything but the records whose body says "fail".
    for (const { queueName } of router.queueNames)
      router.connect(queueName, (event) =>
        Promise.resolve({
          batchItemFailures: event.Records.filter((record) => record.body.includes('fail')).map((record) => ({
            itemIdentifier: record.messageId,
          })),
        }),
      );
  });

  afterEach(() => router.stop());

  it('bills a published booking as one publish, then a send, a receive and a delete on its country queue', async () => {
    // Given the stack's requests topic, when a booking for the first country is published
    const before = router.usage();
    router.publish({
      TopicArn: router.topicArn(topology.appointmentRequests.topicName),
      Message: '{"appointmentId":"01J"}',
      MessageAttributes: { [topology.appointmentRequests.routingAttribute]: { DataType: 'String', StringValue: route!.countryISO } },
    });
    await router.waitForIdle(5_000);
    const after = router.usage();
    // Then SNS billed one publish of its message and attribute, SQS one send, one receive and one delete
    expect(after.snsPublishes.count - before.snsPublishes.count).toBe(1);
    expect(after.snsPublishes.payloadBytes - before.snsPublishes.payloadBytes).toBeGreaterThan('{"appointmentId":"01J"}'.length);
    expect(after.sqs.sends.count - before.sqs.sends.count).toBe(1);
    expect(after.sqs.receives.count - before.sqs.receives.count).toBe(1);
    expect(after.sqs.deletes - before.sqs.deletes).toBe(1);
  });

  it('bills each PutEvents entry as an event, and deletes nothing of a batch whose every record failed', async () => {
    // Given a country's decision that its consumer fails, when it is put on the bus
    const before = router.usage();
    router.putEvents([
      {
        Source: topology.countryOutcomes.source,
        DetailType: topology.countryOutcomes.detailTypes[0],
        Detail: '{"outcome":"fail"}',
        EventBusName: topology.countryOutcomes.eventBusName,
      },
    ]);
    await router.waitFor((event) => event.type === 'invocation-finished');
    const after = router.usage();
    // Then one event is billed, and the receive that handed it over deleted nothing
    expect(after.eventBridgeEvents.count - before.eventBridgeEvents.count).toBe(1);
    expect(after.sqs.deletes - before.sqs.deletes).toBe(0);
  });
});

describe('the local AppSync counts what AppSync bills', () => {
  afterEach(() => jest.useRealTimers());

  it("tells the clients' requests from the workers' signed ones, and does not bill a refused one", () => {
    // Given AppSync's meter, when a client, a worker and an unauthenticated caller send a request each
    const meter = new AppSyncMeter();
    meter.answered({ mode: 'AMAZON_COGNITO_USER_POOLS', claims: {} }, 200, 120);
    meter.answered({ mode: 'AWS_IAM', accessKeyId: 'local' }, 200, 80);
    meter.answered(undefined, 401, 60);
    // Then one client request and one signed request are billed, the refused one is kept apart
    expect(meter.snapshot()).toMatchObject({ requests: { client: 1, iam: 1 }, refused: 1, responseBytes: 260 });
  });

  it('counts a push per subscriber and the minutes each websocket stays open, up to now for an open one', () => {
    // Given two subscribers connected at the same time
    jest.useFakeTimers({ now: 0 });
    const meter = new AppSyncMeter();
    const closeFirst = meter.connected();
    meter.connected();
    // When a change reaches both, the first leaves after a minute and the second is still there after three
    meter.pushed(300);
    meter.pushed(300);
    jest.setSystemTime(60_000);
    closeFirst();
    jest.setSystemTime(180_000);
    // Then two messages were pushed over four connection-minutes
    expect(meter.snapshot()).toMatchObject({ realtimeMessages: 2, connectionMinutes: 4 });
  });
});
