import { createHash } from 'node:crypto';
import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { ListTopicsCommand, PublishCommand, SNSClient } from '@aws-sdk/client-sns';
import type { SQSEvent } from 'aws-lambda';
import { topology, type QueueSettings } from '../../core/config/topology';
import { LOCAL_CREDENTIALS, LOCAL_REGION } from '../../local/dynamodb/dynalite';
import { startLocalAwsEndpoint, type LocalAwsEndpoint } from '../../local/router/aws-endpoint';
import { assertSupportedEventPattern, assertSupportedFilterPolicy } from '../../local/router/matching';
import { md5OfMessageAttributes } from '../../local/router/queue';
import { LocalRouter, type RouterEvent } from '../../local/router/router';

/**
 * The router under `npm start`, driven the way the functions drive it: real SDK
 * clients over HTTP in, SQS events out to stand-in consumers that record them.
 */
/** The real timers, kept before any test holds the router's clock still. */
const realTimers = { setTimeout, clearTimeout };

describe('the local router: SNS, EventBridge and SQS as the topology declares them', () => {
  let router: LocalRouter;
  let endpoint: LocalAwsEndpoint;
  let sns: SNSClient;
  let eventBridge: EventBridgeClient;
  const received = new Map<string, SQSEvent[]>();
  /** Per queue: how each invocation answers (default: success). */
  const answer = new Map<string, (event: SQSEvent) => Promise<unknown>>();

  beforeEach(async () => {
    received.clear();
    answer.clear();
    router = new LocalRouter({ region: LOCAL_REGION, adjustQueue: (settings) => ({ ...settings, visibilityTimeoutSeconds: 0.2 }) });
    for (const { queueName } of router.queueNames) {
      router.connect(queueName, (event) => {
        received.set(queueName, [...(received.get(queueName) ?? []), event]);
        return answer.get(queueName)?.(event) ?? Promise.resolve({ batchItemFailures: [] });
      });
    }
    endpoint = await startLocalAwsEndpoint(router);
    const client = { region: LOCAL_REGION, credentials: LOCAL_CREDENTIALS, endpoint: endpoint.url };
    sns = new SNSClient(client);
    eventBridge = new EventBridgeClient(client);
  });

  afterEach(async () => {
    jest.useRealTimers();
    sns.destroy();
    eventBridge.destroy();
    router.stop();
    await endpoint.close();
  });

  const topicArn = () => router.topicArn(topology.appointmentRequests.topicName);
  const publish = (countryISO: string, message: string) =>
    sns.send(
      new PublishCommand({
        TopicArn: topicArn(),
        Message: message,
        MessageAttributes: { [topology.appointmentRequests.routingAttribute]: { DataType: 'String', StringValue: countryISO } },
      }),
    );
  const records = (queueName: string) => (received.get(queueName) ?? []).flatMap((event) => event.Records);

  it.each(topology.countryRoutes.map((route) => [route.countryISO, route] as const))(
    'a request published for %s reaches only that country queue, as SNS raw delivery shapes it',
    async (countryISO, route) => {
      // When an appointment request for the country is published on the topic
      const body = JSON.stringify({ appointmentId: `appointment-for-${countryISO}` });
      await publish(countryISO, body);
      await router.waitForIdle(5_000);

      // Then its queue's worker got it as one SQS record with the message as body and the attribute kept
      expect(records(route.queueName)).toEqual([
        {
          messageId: expect.any(String) as unknown,
          receiptHandle: expect.any(String) as unknown,
          body,
          attributes: {
            ApproximateReceiveCount: '1',
            SentTimestamp: expect.stringMatching(/^\d{13}$/) as unknown,
            SenderId: expect.any(String) as unknown,
            ApproximateFirstReceiveTimestamp: expect.stringMatching(/^\d{13}$/) as unknown,
          },
          messageAttributes: {
            [topology.appointmentRequests.routingAttribute]: {
              dataType: 'String',
              stringValue: countryISO,
              stringListValues: [],
              binaryListValues: [],
            },
          },
          md5OfBody: createHash('md5').update(body).digest('hex'),
          md5OfMessageAttributes: expect.stringMatching(/^[0-9a-f]{32}$/) as unknown,
          eventSource: 'aws:sqs',
          eventSourceARN: `arn:aws:sqs:${LOCAL_REGION}:000000000000:${route.queueName}`,
          awsRegion: LOCAL_REGION,
        },
      ]);
      // And no other queue got anything
      for (const { queueName } of router.queueNames.filter((queue) => queue.queueName !== route.queueName))
        expect(records(queueName)).toEqual([]);
    },
  );

  it('a request for a country no filter policy names goes nowhere', async () => {
    await publish('XX', '{}');
    await router.waitForIdle(5_000);
    expect([...received.values()].flat()).toEqual([]);
  });

  it('a country decision reaches the confirmation queue as the whole EventBridge event; others do not', async () => {
    const { eventBusName, source } = topology.countryOutcomes;
    const detailType = 'AppointmentRejected';

    // When the country worker's event, an event from another source and one for an unknown bus are put
    const result = await eventBridge.send(
      new PutEventsCommand({
        Entries: [
          { EventBusName: eventBusName, Source: source, DetailType: detailType, Detail: '{"appointmentId":"A1"}' },
          { EventBusName: eventBusName, Source: 'someone.else', DetailType: detailType, Detail: '{"appointmentId":"A2"}' },
          { EventBusName: 'no-such-bus', Source: source, DetailType: detailType, Detail: '{}' },
        ],
      }),
    );
    await router.waitForIdle(5_000);

    // Then only the matching one arrives, enveloped as EventBridge delivers it to SQS
    expect(result.FailedEntryCount).toBe(1);
    expect(result.Entries?.[2]).toMatchObject({ ErrorCode: 'ResourceNotFoundException' });
    const bodies = records(topology.confirmations.queueName).map((record) => JSON.parse(record.body) as unknown);
    expect(bodies).toEqual([
      {
        version: '0',
        id: result.Entries?.[0]?.EventId,
        'detail-type': detailType,
        source,
        account: '000000000000',
        time: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/) as unknown,
        region: LOCAL_REGION,
        resources: [],
        detail: { appointmentId: 'A1' },
      },
    ]);
  });

  it('delivers a backlog in batches of the declared size, and only the records reported as failed come back', async () => {
    // Given a country queue whose worker is busy until released, and then fails the first record of each batch once
    const route = topology.countryRoutes[0];
    if (!route) throw new Error('The topology declares no country');
    let release = () => {};
    const busy = new Promise<void>((resolve) => (release = resolve));
    const failedOnce = new Set<string>();
    answer.set(route.queueName, async (event) => {
      await busy;
      const first = event.Records[0];
      if (!first || failedOnce.has(first.messageId)) return { batchItemFailures: [] };
      failedOnce.add(first.messageId);
      return { batchItemFailures: [{ itemIdentifier: first.messageId }] };
    });

    // When more requests than its running invocations and one more batch hold are published, and then the worker is free
    const count = route.batchSize * (route.maxConcurrency + 1) + 1;
    for (let index = 0; index < count; index++) await publish(route.countryISO, JSON.stringify({ index }));
    release();
    await router.waitForIdle(10_000);

    // Then no invocation had more than batchSize records, every message was processed,
    // and only the failed records were delivered a second time, with their receive count at 2
    const events = received.get(route.queueName) ?? [];
    expect(Math.max(...events.map((event) => event.Records.length))).toBe(route.batchSize);
    const deliveries = records(route.queueName);
    expect(new Set(deliveries.map((record) => record.body)).size).toBe(count);
    const redelivered = deliveries.filter((record) => record.attributes.ApproximateReceiveCount === '2');
    expect(new Set(redelivered.map((record) => record.messageId))).toEqual(failedOnce);
  });

  /**
   * A router of its own whose clock moves only when the test moves it (Date and timers are jest's; the event loop
   * still turns, so the router receives and invokes as usual), its first country queue's invocations reported to the
   * test. A queue that waits for its batching window waits on that clock: a delivery that needs no waiting comes
   * anyway, one that needs waiting never comes unless the test moves the clock.
   */
  function aRouterOnAStillClock(adjustQueue?: (settings: QueueSettings) => QueueSettings) {
    const route = topology.countryRoutes[0];
    if (!route) throw new Error('The topology declares no country');
    jest.useFakeTimers({ doNotFake: ['setImmediate', 'nextTick', 'queueMicrotask'] });
    const stillRouter = new LocalRouter({ region: LOCAL_REGION, ...(adjustQueue && { adjustQueue }) });
    const batches: number[] = [];
    const invoked: (() => void)[] = [];
    stillRouter.connect(route.queueName, (event) => {
      batches.push(event.Records.length);
      invoked.shift()?.();
      return Promise.resolve(undefined);
    });
    return {
      route,
      router: stillRouter,
      batches,
      publish: (message: string) =>
        stillRouter.publish({
          TopicArn: stillRouter.topicArn(topology.appointmentRequests.topicName),
          Message: message,
          MessageAttributes: { [topology.appointmentRequests.routingAttribute]: { DataType: 'String', StringValue: route.countryISO } },
        }),
      /** Resolves at the queue's next invocation; fails after 5 s of real time, naming `what` did not happen. */
      nextInvocation: (what: string) => {
        let bound: NodeJS.Timeout | undefined;
        const late = new Promise<never>((_, reject) => (bound = realTimers.setTimeout(() => reject(new Error(what)), 5_000)));
        const heard = new Promise<void>((resolve) => invoked.push(resolve));
        return Promise.race([heard, late]).finally(() => realTimers.clearTimeout(bound));
      },
      stop: () => {
        stillRouter.stop();
        jest.useRealTimers();
      },
    };
  }

  it("with the topology's batching window of 0, a lone request reaches its worker without waiting for company", async () => {
    // Given a country queue with the declared window, on a router whose clock stands still
    const still = aRouterOnAStillClock();
    try {
      expect(still.router.queueSettings(still.route.queueName).maxBatchingWindowSeconds).toBe(0);

      // When one request is published
      const invoked = still.nextInvocation('The lone request was still held after 5 s: its queue waits for a clock that does not move');
      still.publish('{"alone":true}');
      await invoked;

      // Then its worker has it, alone in its batch, though no time has passed: a queue that waited for a
      // window, however short, would hold it until a clock that never moves reached the window's end
      expect(still.batches).toEqual([1]);
    } finally {
      still.stop();
    }
  });

  it('with a batching window, requests published apart wait for each other until the batch is full', async () => {
    // Given a router whose country queues gather for up to 5 s
    const still = aRouterOnAStillClock((settings) => ({ ...settings, maxBatchingWindowSeconds: 5 }));
    try {
      // When a full batch of requests is published 20 ms apart, each given its turn to be received before the next
      const invoked = still.nextInvocation('A full batch was still held after 5 s: its queue waits for the window to close');
      for (let index = 0; index < still.route.batchSize; index++) {
        if (index > 0) jest.advanceTimersByTime(20);
        still.publish(JSON.stringify({ index }));
        await new Promise((resolve) => setImmediate(resolve));
      }
      await invoked;

      // Then the worker got them as one batch, as soon as it was full: the clock had not come near the window's end
      expect(still.batches).toEqual([still.route.batchSize]);
    } finally {
      still.stop();
    }
  });

  it('a thrown invocation or an unusable batch response sends the whole batch back', async () => {
    const route = topology.countryRoutes[0];
    if (!route) throw new Error('The topology declares no country');
    const failures: RouterEvent[] = [];
    router.on('event', (event) => event.type === 'failed' && failures.push(event));
    let calls = 0;
    answer.set(route.queueName, () => {
      calls += 1;
      if (calls === 1) return Promise.reject(new Error('worker crashed'));
      if (calls === 2) return Promise.resolve({ batchItemFailures: [{ itemIdentifier: 'not-in-this-batch' }] });
      return Promise.resolve(undefined);
    });

    await publish(route.countryISO, '{"n":1}');
    await router.waitForIdle(10_000);

    expect(failures.map((event) => event.type === 'failed' && event.reason)).toEqual([
      'Error: worker crashed',
      expect.stringContaining('unknown message') as unknown,
    ]);
    expect(records(route.queueName).map((record) => record.attributes.ApproximateReceiveCount)).toEqual(['1', '2', '3']);
  });

  it('never runs more invocations of a queue at once than its maxConcurrency', async () => {
    const route = topology.countryRoutes[0];
    if (!route) throw new Error('The topology declares no country');
    let running = 0;
    let most = 0;
    answer.set(route.queueName, async () => {
      running += 1;
      most = Math.max(most, running);
      await new Promise((resolve) => setTimeout(resolve, 50));
      running -= 1;
      return undefined;
    });

    for (let index = 0; index < route.batchSize * (route.maxConcurrency + 2); index++)
      await publish(route.countryISO, JSON.stringify({ index }));
    await router.waitForIdle(10_000);

    expect(most).toBe(route.maxConcurrency);
  });

  it('answers an SNS action it does not serve with the error AWS gives', async () => {
    await expect(sns.send(new ListTopicsCommand({}))).rejects.toMatchObject({ name: 'InvalidAction' });
    await expect(sns.send(new PublishCommand({ TopicArn: `${topicArn()}-missing`, Message: 'x' }))).rejects.toMatchObject({
      name: 'NotFoundException',
    });
  });

  it("computes a record's md5OfMessageAttributes as SQS does", () => {
    // Reference values published with SQS's digest algorithm and reproduced by other SQS implementations.
    expect(md5OfMessageAttributes({ SellerName: { dataType: 'String', stringValue: 'Example Store' } })).toBe(
      'cd28f3b68aeee4b2eac9c66f2f694b58',
    );
    expect(
      md5OfMessageAttributes({ ordinal: { dataType: 'Number', stringValue: '1' }, category: { dataType: 'String', stringValue: 'test' } }),
    ).toBe('d21ae90c49061e927f57df5f5d72be1f');
  });

  it('refuses filter policies and event patterns beyond exact matching, instead of routing differently from AWS', () => {
    expect(() => assertSupportedFilterPolicy({ countryISO: [{ prefix: 'P' }] }, 'policy')).toThrow(/exact matching only/);
    expect(() => assertSupportedEventPattern({ detail: { status: [{ 'anything-but': 'x' }] } }, 'pattern')).toThrow(/exact matching only/);
    expect(() => assertSupportedEventPattern(topology.countryOutcomes.rulePattern, 'pattern')).not.toThrow();
  });
});
