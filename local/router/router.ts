import { EventEmitter } from 'node:events';
import { randomUUID } from 'node:crypto';
import type { SQSRecord } from 'aws-lambda';
import { topology as declaredTopology, type LambdaEntry, type QueueSettings } from '../../core/config/topology';
import {
  assertSupportedEventPattern,
  assertSupportedFilterPolicy,
  eventPatternMatches,
  filterPolicyMatches,
  type EventPattern,
  type FilterPolicy,
  type SnsMessageAttribute,
} from './matching';
import { LOCAL_ACCOUNT_ID } from '../aws-identity';
import { sqsUsage, type MessageCount, type RouterUsage } from './router-usage';
import { LocalQueue, SENDER_IDS, type Consumer, type DeliveryHooks, type MessageAttributes, type QueueEvent } from './queue';

/** A queue the topology declares, with the function that consumes it. */
export interface QueueDeclaration {
  readonly settings: QueueSettings;
  readonly consumer: LambdaEntry;
}

/** The routing the local stack reproduces, read from the topology and nowhere else. */
export interface RoutingDeclaration {
  readonly topics: readonly { readonly topicName: string }[];
  readonly queues: readonly QueueDeclaration[];
  /** Queues nothing consumes, that services send to: the reminders' DLQ (Scheduler's and Lambda's failure records). */
  readonly unconsumedQueues: readonly string[];
  /** SNS → SQS subscriptions with raw message delivery. */
  readonly subscriptions: readonly { readonly topicName: string; readonly queueName: string; readonly filterPolicy: FilterPolicy }[];
  readonly eventBuses: readonly { readonly eventBusName: string }[];
  /** EventBridge rules whose target is an SQS queue (the whole event is the message body). */
  readonly rules: readonly {
    readonly eventBusName: string;
    readonly ruleName: string;
    readonly pattern: EventPattern;
    readonly queueName: string;
  }[];
}

export function routingFromTopology(topology = declaredTopology): RoutingDeclaration {
  const { appointmentRequests, countryRoutes, countryOutcomes, confirmations, emailNotifications, slotAvailability } = topology;
  return {
    topics: [{ topicName: appointmentRequests.topicName }],
    queues: [
      ...countryRoutes.map((route) => ({ settings: route, consumer: route.consumer })),
      { settings: confirmations, consumer: confirmations.consumer },
      { settings: emailNotifications, consumer: emailNotifications.consumer },
      { settings: slotAvailability, consumer: slotAvailability.consumer },
    ],
    unconsumedQueues: [topology.reminders.deadLetterQueueName],
    subscriptions: countryRoutes.map((route) => ({
      topicName: appointmentRequests.topicName,
      queueName: route.queueName,
      filterPolicy: route.filterPolicy,
    })),
    eventBuses: [{ eventBusName: countryOutcomes.eventBusName }],
    // The topology's rules, each to its queue (the CDK stack wires the same targets).
    rules: [
      {
        eventBusName: countryOutcomes.eventBusName,
        ruleName: countryOutcomes.ruleName,
        pattern: countryOutcomes.rulePattern,
        queueName: confirmations.queueName,
      },
      {
        eventBusName: topology.statusChangeEvents.eventBusName,
        ruleName: emailNotifications.ruleName,
        pattern: emailNotifications.rulePattern,
        queueName: emailNotifications.queueName,
      },
      {
        eventBusName: slotAvailability.eventBusName,
        ruleName: slotAvailability.ruleName,
        pattern: slotAvailability.rulePattern,
        queueName: slotAvailability.queueName,
      },
    ],
  };
}

/** An error that the local SNS / EventBridge endpoints return as the AWS error of that code. */
export class AwsServiceError extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly statusCode = 400,
  ) {
    super(message);
    this.name = code;
  }
}

export interface PublishInput {
  readonly TopicArn?: string;
  readonly Message?: string;
  readonly MessageStructure?: string;
  readonly MessageAttributes?: Readonly<Record<string, SnsMessageAttribute>>;
}

export interface PutEventsEntry {
  readonly Source?: string;
  readonly DetailType?: string;
  readonly Detail?: string;
  readonly EventBusName?: string;
  readonly Resources?: readonly string[];
  readonly Time?: string | number;
}

export type PutEventsResultEntry = { EventId: string } | { ErrorCode: string; ErrorMessage: string };

/** What the router reports: the queues' events plus what was published and where it went. */
export type RouterEvent =
  | QueueEvent
  | {
      readonly type: 'published';
      readonly topicArn: string;
      readonly messageId: string;
      readonly body: string;
      readonly queues: readonly string[];
    }
  | { readonly type: 'publish-refused'; readonly topicArn: string; readonly body: string; readonly errorCode: string }
  | { readonly type: 'event-refused'; readonly eventBusName: string; readonly body: string; readonly errorCode: string }
  | {
      readonly type: 'event-put';
      readonly eventBusName: string;
      readonly eventId: string;
      readonly body: string;
      readonly rules: readonly string[];
    };

/** The queues' seams plus SNS's and EventBridge's: each defaults to plain AWS behaviour. */
export interface RouterHooks extends DeliveryHooks {
  /** The error SNS answers a Publish with (throttled, down), or undefined to accept it. */
  readonly refusePublish?: (input: PublishInput) => AwsServiceError | undefined;
  /** The failure EventBridge reports for one PutEvents entry (it counts in FailedEntryCount), or undefined to accept it. */
  readonly refuseEvent?: (entry: PutEventsEntry) => { readonly errorCode: string; readonly errorMessage: string } | undefined;
}

/** What a redrive moved: from which DLQ to which queue, and each message's new id there. */
export interface Redrive {
  readonly deadLetterQueue: string;
  readonly sourceQueue: string;
  readonly messages: readonly { readonly messageId: string; readonly body: string }[];
}

export interface LocalRouterOptions {
  readonly region: string;
  readonly routing?: RoutingDeclaration;
  /** Changes a queue's settings for this run (tests shorten visibility timeouts); the topology's are used as given otherwise. */
  readonly adjustQueue?: (settings: QueueSettings) => QueueSettings;
  readonly hooks?: RouterHooks;
}

/**
 * The in-process SNS, SQS and EventBridge of the local stack. It builds the
 * topics, queues (each with its DLQ), subscriptions and rules the routing
 * declaration names, evaluates filter policies and event patterns as AWS does,
 * and feeds each queue's consumer with SQS semantics (see LocalQueue).
 * Events: `router.on('event', (event: RouterEvent) => …)`.
 */
export class LocalRouter extends EventEmitter<{ event: [RouterEvent] }> {
  readonly region: string;
  private readonly routing: RoutingDeclaration;
  private readonly queues = new Map<string, LocalQueue>();
  private readonly settings = new Map<string, QueueSettings>();
  private readonly deadLetterSources = new Map<string, string>();
  private readonly idleWaiters = new Set<() => void>();
  private snsPublishes: MessageCount = { count: 0, payloadBytes: 0 };
  private eventBridgeEvents: MessageCount = { count: 0, payloadBytes: 0 };

  constructor(private readonly options: LocalRouterOptions) {
    super();
    this.region = options.region;
    this.routing = options.routing ?? routingFromTopology();
    const observe = (event: QueueEvent) => this.report(event);
    for (const { settings: declared } of this.routing.queues) {
      const settings = options.adjustQueue ? options.adjustQueue(declared) : declared;
      this.settings.set(settings.queueName, settings);
      this.queues.set(settings.queueName, new LocalQueue(settings.queueName, this.region, observe, options.hooks));
      this.queues.set(settings.deadLetterQueueName, new LocalQueue(settings.deadLetterQueueName, this.region, observe, options.hooks));
      this.deadLetterSources.set(settings.deadLetterQueueName, settings.queueName);
    }
    for (const queueName of this.routing.unconsumedQueues)
      this.queues.set(queueName, new LocalQueue(queueName, this.region, observe, options.hooks));
    for (const subscription of this.routing.subscriptions) {
      assertSupportedFilterPolicy(subscription.filterPolicy, `filter policy of ${subscription.queueName}`);
      this.queue(subscription.queueName);
    }
    for (const rule of this.routing.rules) {
      assertSupportedEventPattern(rule.pattern, `pattern of rule ${rule.ruleName}`);
      this.queue(rule.queueName);
    }
  }

  topicArn(topicName: string): string {
    return `arn:aws:sns:${this.region}:${LOCAL_ACCOUNT_ID}:${topicName}`;
  }

  /** Names of the queues that have consumers, and of their dead-letter queues. */
  get queueNames(): { queueName: string; deadLetterQueueName: string }[] {
    return [...this.settings.values()].map(({ queueName, deadLetterQueueName }) => ({ queueName, deadLetterQueueName }));
  }

  /** The settings a queue runs with (the topology's, unless adjusted). */
  queueSettings(queueName: string): QueueSettings {
    const settings = this.settings.get(queueName);
    if (!settings) throw new Error(`No queue named ${queueName} has a consumer; known: ${[...this.settings.keys()].join(', ')}`);
    return settings;
  }

  /** Starts the event source mapping of a queue: from now on its messages go to `consumer` (named in logs and events). */
  connect(queueName: string, consumer: Consumer, consumerName = `${queueName}-consumer`): void {
    const settings = this.queueSettings(queueName);
    this.queue(queueName).poll(settings, this.queue(settings.deadLetterQueueName), consumer, consumerName);
  }

  /** SNS Publish: the message goes to every subscribed queue whose filter policy matches its attributes. */
  publish(input: PublishInput): { MessageId: string } {
    const topic = this.routing.topics.find((candidate) => this.topicArn(candidate.topicName) === input.TopicArn);
    if (!topic) throw new AwsServiceError('NotFound', 'Topic does not exist', 404);
    const message = this.messageForSqs(input);
    const refusal = this.options.hooks?.refusePublish?.(input);
    if (refusal) {
      this.report({ type: 'publish-refused', topicArn: this.topicArn(topic.topicName), body: message, errorCode: refusal.code });
      throw refusal;
    }
    const attributes = input.MessageAttributes ?? {};
    const messageId = randomUUID();
    const queues = this.routing.subscriptions
      .filter((subscription) => subscription.topicName === topic.topicName && filterPolicyMatches(subscription.filterPolicy, attributes))
      .map((subscription) => subscription.queueName);
    this.report({ type: 'published', topicArn: this.topicArn(topic.topicName), messageId, body: message, queues });
    this.snsPublishes = counted(this.snsPublishes, publishedBytes(input));
    // Raw message delivery: the body is the message, the SNS attributes become SQS attributes.
    for (const queueName of queues) {
      this.queue(queueName).send(
        { body: message, messageAttributes: toSqsAttributes(attributes), senderId: SENDER_IDS.sns },
        `sns ${topic.topicName}`,
      );
    }
    return { MessageId: messageId };
  }

  /** EventBridge PutEvents: each entry goes, as a whole event, to the targets of every rule on its bus that matches it. */
  putEvents(entries: readonly PutEventsEntry[]): PutEventsResultEntry[] {
    if (entries.length === 0 || entries.length > 10) {
      throw new AwsServiceError(
        'ValidationException',
        `1 validation error detected: Value at 'entries' failed to satisfy constraint: Member must have length between 1 and 10`,
      );
    }
    return entries.map((entry) => this.putEvent(entry));
  }

  /** Puts a message straight on a queue, as `aws sqs send-message` would (tests, operators, poison messages). */
  sendMessage(queueName: string, body: string, messageAttributes: MessageAttributes = {}): string {
    return this.queue(queueName).send({ body, messageAttributes, senderId: SENDER_IDS.operator }, 'send-message');
  }

  /** The messages a queue holds, visible or not, as SQS records. */
  messages(queueName: string): SQSRecord[] {
    return this.queue(queueName).peek();
  }

  /** The messages in a dead-letter queue (pass the DLQ's name or its source queue's), as SQS records. */
  deadLetters(queueName: string): SQSRecord[] {
    return this.queue(this.deadLetterQueueName(queueName)).peek();
  }

  /** Moves every message of a dead-letter queue back to its source queue, receive counts reset. Returns how many. */
  redrive(queueName: string): number {
    return this.redriveMessages(queueName).messages.length;
  }

  /** As `redrive` (the DLQ's name or its source queue's), saying what moved where, for an operator. */
  redriveMessages(queueName: string): Redrive {
    const deadLetterQueueName = this.deadLetterQueueName(queueName);
    const deadLetterQueue = this.queue(deadLetterQueueName);
    const source = this.deadLetterSources.get(deadLetterQueueName);
    if (!source) throw new Error(`${deadLetterQueueName} is not a dead-letter queue`);
    const messages = deadLetterQueue.takeAll().map((message) => ({
      messageId: this.queue(source).send(message, `redrive from ${deadLetterQueueName}`),
      body: message.body,
    }));
    return { deadLetterQueue: deadLetterQueueName, sourceQueue: source, messages };
  }

  /** Per queue: messages held and invocations running. */
  stats(): Record<string, { messages: number; inFlightInvocations: number }> {
    return Object.fromEntries([...this.queues].map(([name, queue]) => [name, queue.depth]));
  }

  get idle(): boolean {
    return [...this.queues.values()].every((queue) => queue.idle);
  }

  /** Resolves when no queue that has a consumer holds a message or runs an invocation (DLQs may hold some). */
  waitForIdle(timeoutMs = 30_000): Promise<void> {
    if (this.idle) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const done = () => {
        clearTimeout(timer);
        this.idleWaiters.delete(done);
        resolve();
      };
      const timer = setTimeout(() => {
        this.idleWaiters.delete(done);
        reject(new Error(`Queues not idle after ${timeoutMs} ms: ${JSON.stringify(this.stats())}`));
      }, timeoutMs);
      this.idleWaiters.add(done);
    });
  }

  /** Resolves with the first router event that satisfies `predicate`. */
  waitFor<Event extends RouterEvent>(predicate: (event: RouterEvent) => event is Event, timeoutMs?: number): Promise<Event>;
  waitFor(predicate: (event: RouterEvent) => boolean, timeoutMs?: number): Promise<RouterEvent>;
  waitFor(predicate: (event: RouterEvent) => boolean, timeoutMs = 30_000): Promise<RouterEvent> {
    return new Promise((resolve, reject) => {
      const listener = (event: RouterEvent) => {
        if (!predicate(event)) return;
        clearTimeout(timer);
        this.off('event', listener);
        resolve(event);
      };
      const timer = setTimeout(() => {
        this.off('event', listener);
        reject(new Error(`No matching router event within ${timeoutMs} ms`));
      }, timeoutMs);
      this.on('event', listener);
    });
  }

  stop(): void {
    for (const queue of this.queues.values()) queue.stop();
  }

  /** What SNS, SQS and EventBridge would bill so far: plain counts, a copy. */
  usage(): RouterUsage {
    return {
      snsPublishes: this.snsPublishes,
      eventBridgeEvents: this.eventBridgeEvents,
      sqs: sqsUsage(
        [...this.queues.values()].map((queue) => queue.meter),
        Date.now(),
      ),
    };
  }

  private report(event: RouterEvent): void {
    this.emit('event', event);
    if (this.idleWaiters.size > 0 && this.idle) for (const waiter of [...this.idleWaiters]) waiter();
  }

  private queue(name: string): LocalQueue {
    const queue = this.queues.get(name);
    if (!queue) throw new Error(`No queue named ${name}; known: ${[...this.queues.keys()].join(', ')}`);
    return queue;
  }

  private deadLetterQueueName(queueName: string): string {
    return this.settings.get(queueName)?.deadLetterQueueName ?? queueName;
  }

  private messageForSqs(input: PublishInput): string {
    if (input.Message === undefined || input.Message === '')
      throw new AwsServiceError('InvalidParameter', 'Invalid parameter: Empty message');
    if (input.MessageStructure !== 'json') return input.Message;
    // MessageStructure=json: one message per protocol; SQS subscribers get "sqs", or else "default".
    let perProtocol: unknown;
    try {
      perProtocol = JSON.parse(input.Message);
    } catch {
      throw new AwsServiceError('InvalidParameter', 'Invalid parameter: Message Structure - JSON message body failed to parse');
    }
    const { sqs, default: fallback } = (perProtocol ?? {}) as { sqs?: unknown; default?: unknown };
    const chosen = sqs ?? fallback;
    if (typeof chosen !== 'string')
      throw new AwsServiceError('InvalidParameter', 'Invalid parameter: Message Structure - No default entry in JSON message body');
    return chosen;
  }

  private putEvent(entry: PutEventsEntry): PutEventsResultEntry {
    for (const field of ['Source', 'DetailType', 'Detail'] as const) {
      if (!entry[field])
        return { ErrorCode: 'InvalidArgument', ErrorMessage: `Parameter ${field} is not valid. Reason: ${field} is a required argument.` };
    }
    let detail: unknown;
    try {
      detail = JSON.parse(entry.Detail ?? '');
    } catch {
      detail = undefined;
    }
    if (typeof detail !== 'object' || detail === null || Array.isArray(detail))
      return { ErrorCode: 'MalformedDetail', ErrorMessage: 'Detail is malformed.' };
    const eventBusName = (entry.EventBusName ?? 'default').split('/').pop() ?? 'default';
    if (eventBusName !== 'default' && !this.routing.eventBuses.some((bus) => bus.eventBusName === eventBusName)) {
      return { ErrorCode: 'ResourceNotFoundException', ErrorMessage: `Event bus ${eventBusName} does not exist.` };
    }
    const refusal = this.options.hooks?.refuseEvent?.(entry);
    if (refusal) {
      this.report({ type: 'event-refused', eventBusName, body: entry.Detail ?? '', errorCode: refusal.errorCode });
      return { ErrorCode: refusal.errorCode, ErrorMessage: refusal.errorMessage };
    }
    const eventId = randomUUID();
    const time = entry.Time === undefined ? new Date() : new Date(typeof entry.Time === 'number' ? entry.Time * 1000 : entry.Time);
    const event = {
      version: '0',
      id: eventId,
      'detail-type': entry.DetailType,
      source: entry.Source,
      account: LOCAL_ACCOUNT_ID,
      time: time.toISOString().replace(/\.\d{3}Z$/, 'Z'),
      region: this.region,
      resources: entry.Resources ?? [],
      detail,
    };
    const body = JSON.stringify(event);
    const rules = this.routing.rules.filter((rule) => rule.eventBusName === eventBusName && eventPatternMatches(rule.pattern, event));
    this.report({ type: 'event-put', eventBusName, eventId, body, rules: rules.map((rule) => rule.ruleName) });
    this.eventBridgeEvents = counted(this.eventBridgeEvents, putEventsEntryBytes(entry));
    for (const rule of rules) this.queue(rule.queueName).send({ body, senderId: SENDER_IDS.eventBridge }, `rule ${rule.ruleName}`);
    return { EventId: eventId };
  }
}

function toSqsAttributes(attributes: Readonly<Record<string, SnsMessageAttribute>>): MessageAttributes {
  return Object.fromEntries(
    Object.entries(attributes).map(([name, attribute]) => [
      name,
      {
        dataType: attribute.DataType,
        ...(attribute.StringValue !== undefined ? { stringValue: attribute.StringValue } : {}),
        ...(attribute.BinaryValue !== undefined ? { binaryValue: attribute.BinaryValue } : {}),
        stringListValues: [],
        binaryListValues: [],
      },
    ]),
  );
}

function counted(so: MessageCount, payloadBytes: number): MessageCount {
  return { count: so.count + 1, payloadBytes: so.payloadBytes + payloadBytes };
}

/** A publish's billed size: the message and its attributes (names, types and values). */
function publishedBytes(input: PublishInput): number {
  const attributes = Object.entries(input.MessageAttributes ?? {}).reduce(
    (bytes, [name, attribute]) =>
      bytes + utf8Bytes(name) + utf8Bytes(attribute.DataType) + utf8Bytes(attribute.StringValue ?? attribute.BinaryValue ?? ''),
    0,
  );
  return utf8Bytes(input.Message ?? '') + attributes;
}

/**
 * An entry's size as EventBridge bills it: Time (14 bytes when given), Source, DetailType and Detail in UTF-8, and
 * each resource (https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-putevent-size.html).
 */
function putEventsEntryBytes(entry: PutEventsEntry): number {
  const resources = (entry.Resources ?? []).reduce((bytes, resource) => bytes + utf8Bytes(resource), 0);
  return (
    (entry.Time === undefined ? 0 : 14) +
    utf8Bytes(entry.Source ?? '') +
    utf8Bytes(entry.DetailType ?? '') +
    utf8Bytes(entry.Detail ?? '') +
    resources
  );
}

function utf8Bytes(text: string): number {
  return Buffer.byteLength(text, 'utf8');
}
