import { createHash, randomBytes, randomUUID } from 'node:crypto';
import type { SQSBatchResponse, SQSEvent, SQSMessageAttribute, SQSRecord } from 'aws-lambda';
import type { QueueSettings } from '../../core/config/topology';
import { LOCAL_ACCOUNT_ID } from '../aws-identity';
import { LongPollers, SqsMeter } from './router-usage';

/** Who SQS says sent a message: SNS and EventBridge deliver as their service principals, an operator as the account. */
export const SENDER_IDS = {
  sns: 'AIDAIT2UOQQY3AUEKVGXU',
  eventBridge: 'AIDAJXNJGGKNS7OSV23OI',
  operator: LOCAL_ACCOUNT_ID,
} as const;

/** A message attribute as SQS stores it and Lambda delivers it. */
export type MessageAttributes = Record<string, SQSMessageAttribute>;

export interface SendMessageInput {
  readonly body: string;
  readonly messageAttributes?: MessageAttributes;
  readonly senderId?: string;
}

interface StoredMessage {
  readonly messageId: string;
  readonly body: string;
  readonly messageAttributes: MessageAttributes;
  readonly md5OfBody: string;
  readonly md5OfMessageAttributes?: string;
  readonly sentTimestamp: number;
  readonly senderId: string;
  receiveCount: number;
  firstReceiveTimestamp?: number;
  /** When the message may be received again: at once when sent, the end of its visibility timeout once received. */
  visibleAt: number;
  /** The handle of the latest receive; a delete with an older one does not delete. */
  receiptHandle?: string;
  deadLetterQueueSourceArn?: string;
}

/** A Lambda function as an event source mapping sees it. */
export type Consumer = (event: SQSEvent) => Promise<unknown>;

/** What the queue reports, for logs, tests and operators. */
export type QueueEvent =
  | { readonly type: 'enqueued'; readonly queue: string; readonly messageId: string; readonly body: string; readonly via: string }
  | {
      readonly type: 'delivered';
      readonly queue: string;
      /** The function the event source mapping invoked. */
      readonly consumer: string;
      readonly messageId: string;
      readonly body: string;
      readonly receiveCount: number;
      readonly batchSize: number;
    }
  | { readonly type: 'processed'; readonly queue: string; readonly messageId: string; readonly body: string; readonly receiveCount: number }
  | {
      readonly type: 'failed';
      readonly queue: string;
      readonly messageId: string;
      readonly body: string;
      readonly receiveCount: number;
      readonly reason: string;
      /** When SQS makes it visible again (the end of its visibility timeout). */
      readonly retryAt: number;
    }
  | {
      readonly type: 'dead-lettered';
      readonly queue: string;
      readonly deadLetterQueue: string;
      readonly messageId: string;
      readonly body: string;
      readonly receiveCount: number;
    }
  | { readonly type: 'stale-delete'; readonly queue: string; readonly messageId: string; readonly body: string }
  | {
      readonly type: 'invocation-finished';
      readonly queue: string;
      readonly batchSize: number;
      readonly failed: number;
      readonly durationMs: number;
    };

export interface QueueObserver {
  (event: QueueEvent): void;
}

/** The seams the reliability suites hook into; each defaults to plain AWS behaviour. */
export interface DeliveryHooks {
  /** Wraps every invocation of a consumer: inject faults, delays or lost responses here. */
  readonly aroundInvoke?: (queue: string, event: SQSEvent, invoke: Consumer) => Promise<unknown>;
  /**
   * How many copies of a message sent to `queue` it stores (default 1). SNS, EventBridge and
   * SQS all deliver at least once; more than 1 is the duplicate a consumer must shrug off.
   * Each copy is its own SQS message (own id, own receives), as an SNS or EventBridge duplicate is.
   */
  readonly copiesOnSend?: (queue: string, message: SendMessageInput) => number;
}

/**
 * One SQS queue, and, when it has a consumer, the Lambda event source mapping that
 * polls it: batches of up to `batchSize` records, gathered for up to
 * `maxBatchingWindowSeconds` (0, AWS's default for SQS: as soon as a receive finds
 * any), at most `maxConcurrency` invocations at once, each
 * received message invisible for `visibilityTimeoutSeconds`; the records a
 * function reports in `batchItemFailures` (or all of them, if it fails) come back
 * after that, with their receive count grown, and a message received
 * `maxReceiveCount` times moves to the dead-letter queue on its next receive.
 */
export class LocalQueue {
  readonly arn: string;
  /** The SQS requests this queue and its event source mapping make (local/router/router-usage.ts). */
  readonly meter = new SqsMeter();
  private readonly messages = new Map<string, StoredMessage>();
  private inFlight = 0;
  private timer?: NodeJS.Timeout;
  private timerAt = Infinity;
  private receiveScheduled = false;
  private stopped = false;
  private poller?: { settings: QueueSettings; consumer: Consumer; consumerName: string; deadLetterQueue: LocalQueue };

  constructor(
    readonly name: string,
    private readonly region: string,
    private readonly observe: QueueObserver,
    private readonly hooks: DeliveryHooks = {},
  ) {
    this.arn = `arn:aws:sqs:${region}:${LOCAL_ACCOUNT_ID}:${name}`;
  }

  /** Starts the event source mapping that feeds `consumer`. */
  poll(settings: QueueSettings, deadLetterQueue: LocalQueue, consumer: Consumer, consumerName: string): void {
    this.poller = { settings, consumer, consumerName, deadLetterQueue };
    this.meter.pollers = new LongPollers(Date.now());
    this.pump();
  }

  /** SendMessage; returns the message id (the first copy's, when a hook duplicates it). */
  send(input: SendMessageInput, via: string): string {
    const copies = Math.max(1, Math.floor(this.hooks.copiesOnSend?.(this.name, input) ?? 1));
    const ids = Array.from({ length: copies }, (_, copy) =>
      this.store(input, copies === 1 ? via : `${via}, duplicate ${copy + 1} of ${copies}`),
    );
    return ids[0] ?? '';
  }

  private store(input: SendMessageInput, via: string): string {
    const messageAttributes = input.messageAttributes ?? {};
    this.meter.sends += 1;
    this.meter.sentBytes += Buffer.byteLength(input.body, 'utf8');
    const message: StoredMessage = {
      messageId: randomUUID(),
      body: input.body,
      messageAttributes,
      md5OfBody: md5(input.body),
      md5OfMessageAttributes: Object.keys(messageAttributes).length > 0 ? md5OfMessageAttributes(messageAttributes) : undefined,
      sentTimestamp: Date.now(),
      senderId: input.senderId ?? SENDER_IDS.operator,
      receiveCount: 0,
      visibleAt: Date.now(),
    };
    this.accept(message, via);
    return message.messageId;
  }

  /** The messages the queue holds, as records (a dead-letter queue's, for an operator to read). */
  peek(): SQSRecord[] {
    return [...this.messages.values()].map((message) => this.toRecord(message));
  }

  /** Takes every message out, for a redrive; their receive counts start again at the destination. */
  takeAll(): SendMessageInput[] {
    const taken = [...this.messages.values()].map((message) => ({
      body: message.body,
      messageAttributes: message.messageAttributes,
      senderId: message.senderId,
    }));
    this.messages.clear();
    return taken;
  }

  /** Nothing waiting and nothing being processed (a queue without a consumer is always idle). */
  get idle(): boolean {
    return !this.poller || (this.messages.size === 0 && this.inFlight === 0);
  }

  get depth(): { messages: number; inFlightInvocations: number } {
    return { messages: this.messages.size, inFlightInvocations: this.inFlight };
  }

  stop(): void {
    this.stopped = true;
    this.meter.pollers?.stop(Date.now());
    clearTimeout(this.timer);
  }

  /** Moves a message in from elsewhere (a dead-lettered one keeps its id, attributes and counts). */
  private accept(message: StoredMessage, via: string): void {
    this.messages.set(message.messageId, message);
    this.observe({ type: 'enqueued', queue: this.name, messageId: message.messageId, body: message.body, via });
    this.receiveSoon();
  }

  /**
   * The poller's next receive, after the sender's turn of the event loop: like a ReceiveMessage
   * call, it returns what the queue holds by then, so messages sent together (an SNS fan-out, one
   * PutEvents call, a burst) can share a batch even without a batching window.
   */
  private receiveSoon(): void {
    if (this.receiveScheduled || !this.poller) return;
    this.receiveScheduled = true;
    setImmediate(() => {
      this.receiveScheduled = false;
      this.pump();
    });
  }

  /** Receives what the event source mapping may receive now, invokes, and sets a timer for what it must wait for. */
  private pump(): void {
    const poller = this.poller;
    if (!poller || this.stopped) return;
    const { batchSize, maxBatchingWindowSeconds, maxConcurrency, maxReceiveCount } = poller.settings;
    let now = Date.now();
    for (;;) {
      now = Date.now();
      const visible = [...this.messages.values()].filter((message) => message.visibleAt <= now);
      // SQS moves a message that has had its receives to the DLQ instead of delivering it again.
      for (const message of visible.filter((candidate) => candidate.receiveCount >= maxReceiveCount)) {
        this.messages.delete(message.messageId);
        message.deadLetterQueueSourceArn = this.arn;
        this.observe({
          type: 'dead-lettered',
          queue: this.name,
          deadLetterQueue: poller.deadLetterQueue.name,
          messageId: message.messageId,
          body: message.body,
          receiveCount: message.receiveCount,
        });
        poller.deadLetterQueue.accept({ ...message, visibleAt: now, receiptHandle: undefined }, `dead-letter from ${this.name}`);
      }
      const receivable = visible.filter((message) => this.messages.has(message.messageId));
      if (receivable.length === 0 || this.inFlight >= maxConcurrency) break;
      const windowEnds = earliest(receivable.map((message) => message.visibleAt)) + maxBatchingWindowSeconds * 1000;
      if (receivable.length < batchSize && now < windowEnds) {
        this.wakeAt(windowEnds);
        break;
      }
      this.invoke(receivable.slice(0, batchSize), now);
    }
    // Wake when the next invisible message becomes visible again. Judged by the same `now` as the
    // loop: with a fresh clock, a message turning visible in between would be neither received nor awaited.
    const nextVisible = earliest([...this.messages.values()].map((message) => message.visibleAt).filter((at) => at > now));
    if (Number.isFinite(nextVisible)) this.wakeAt(nextVisible);
  }

  private wakeAt(at: number): void {
    if (this.stopped || at >= this.timerAt) return;
    clearTimeout(this.timer);
    this.timerAt = at;
    this.timer = setTimeout(
      () => {
        this.timerAt = Infinity;
        this.pump();
      },
      Math.max(0, at - Date.now()),
    );
  }

  private invoke(batch: StoredMessage[], now: number): void {
    const poller = this.poller;
    if (!poller) return;
    const receipts = batch.map((message) => {
      message.receiveCount += 1;
      message.firstReceiveTimestamp ??= now;
      message.visibleAt = now + poller.settings.visibilityTimeoutSeconds * 1000;
      message.receiptHandle = receiptHandle(message.messageId);
      return { message, receiptHandle: message.receiptHandle, record: this.toRecord(message) };
    });
    for (const { message } of receipts) {
      this.observe({
        type: 'delivered',
        queue: this.name,
        consumer: poller.consumerName,
        messageId: message.messageId,
        body: message.body,
        receiveCount: message.receiveCount,
        batchSize: batch.length,
      });
    }
    this.inFlight += 1;
    this.meter.receives += 1;
    this.meter.receivedBytes += batch.reduce((bytes, message) => bytes + Buffer.byteLength(message.body, 'utf8'), 0);
    this.meter.pollers?.received(now);
    const event: SQSEvent = { Records: receipts.map(({ record }) => record) };
    const invocation = this.hooks.aroundInvoke ? this.hooks.aroundInvoke(this.name, event, poller.consumer) : poller.consumer(event);
    let failedCount = 0;
    void invocation
      .then(
        (response) => failedMessageIds(response, event),
        (error: unknown) => ({ all: true as const, reason: describe(error) }),
      )
      .then((outcome) => {
        // A stack being stopped ends its invocations: that is no failure to report.
        if (this.stopped) return;
        // Lambda deletes a batch's processed records in one DeleteMessageBatch call.
        if ('failed' in outcome && outcome.failed.size < receipts.length) this.meter.deletes += 1;
        for (const { message, receiptHandle: handle } of receipts) {
          const failed = 'all' in outcome || outcome.failed.has(message.messageId);
          const current = this.messages.get(message.messageId);
          if (!failed) {
            // DeleteMessage with this receive's handle: a later receive's handle supersedes it.
            if (current?.receiptHandle === handle) {
              this.messages.delete(message.messageId);
              this.observe({
                type: 'processed',
                queue: this.name,
                messageId: message.messageId,
                body: message.body,
                receiveCount: message.receiveCount,
              });
            } else if (current) {
              this.observe({ type: 'stale-delete', queue: this.name, messageId: message.messageId, body: message.body });
            }
            continue;
          }
          failedCount += 1;
          const reason = 'all' in outcome ? outcome.reason : 'reported in batchItemFailures';
          this.observe({
            type: 'failed',
            queue: this.name,
            messageId: message.messageId,
            body: message.body,
            receiveCount: message.receiveCount,
            reason,
            retryAt: current?.visibleAt ?? Date.now(),
          });
        }
      })
      .finally(() => {
        this.inFlight -= 1;
        if (this.stopped) return;
        this.observe({
          type: 'invocation-finished',
          queue: this.name,
          batchSize: batch.length,
          failed: failedCount,
          durationMs: Date.now() - now,
        });
        this.pump();
      });
  }

  private toRecord(message: StoredMessage): SQSRecord {
    return {
      messageId: message.messageId,
      receiptHandle: message.receiptHandle ?? '',
      body: message.body,
      attributes: {
        ApproximateReceiveCount: String(message.receiveCount),
        SentTimestamp: String(message.sentTimestamp),
        SenderId: message.senderId,
        ApproximateFirstReceiveTimestamp: String(message.firstReceiveTimestamp ?? ''),
        ...(message.deadLetterQueueSourceArn ? { DeadLetterQueueSourceArn: message.deadLetterQueueSourceArn } : {}),
      },
      messageAttributes: message.messageAttributes,
      md5OfBody: message.md5OfBody,
      ...(message.md5OfMessageAttributes ? { md5OfMessageAttributes: message.md5OfMessageAttributes } : {}),
      eventSource: 'aws:sqs',
      eventSourceARN: this.arn,
      awsRegion: this.region,
    };
  }
}

/**
 * Lambda's reading of a partial batch response: nothing, or an empty or null
 * `batchItemFailures`, is full success; a failure entry without a valid message id
 * of this batch makes the whole batch fail.
 */
function failedMessageIds(response: unknown, event: SQSEvent): { failed: Set<string> } | { all: true; reason: string } {
  if (response === null || response === undefined) return { failed: new Set() };
  if (typeof response !== 'object') return { all: true, reason: 'the function returned an invalid partial batch response' };
  const failures = (response as Partial<SQSBatchResponse>).batchItemFailures;
  if (failures === null || failures === undefined) return { failed: new Set() };
  if (!Array.isArray(failures)) return { all: true, reason: 'batchItemFailures is not a list' };
  const ids = new Set(event.Records.map((record) => record.messageId));
  const failed = new Set<string>();
  for (const failure of failures as unknown[]) {
    const id = (failure as { itemIdentifier?: unknown } | null)?.itemIdentifier;
    if (typeof id !== 'string' || !ids.has(id))
      return { all: true, reason: `batchItemFailures names an unknown message (${JSON.stringify(id)})` };
    failed.add(id);
  }
  return { failed };
}

function earliest(times: readonly number[]): number {
  return times.reduce((min, at) => Math.min(min, at), Infinity);
}

function describe(error: unknown): string {
  return error instanceof Error ? `${error.name}: ${error.message}` : String(error);
}

function md5(data: string | Buffer): string {
  return createHash('md5').update(data).digest('hex');
}

function receiptHandle(messageId: string): string {
  return `AQEB${Buffer.concat([randomBytes(48), Buffer.from(messageId)]).toString('base64')}`;
}

/** SQS's MD5 of message attributes: name, type, transport byte and value, length-prefixed, sorted by name. */
export function md5OfMessageAttributes(attributes: MessageAttributes): string {
  const parts: Buffer[] = [];
  const lengthPrefixed = (bytes: Buffer) => {
    const length = Buffer.alloc(4);
    length.writeUInt32BE(bytes.length);
    parts.push(length, bytes);
  };
  for (const name of Object.keys(attributes).sort()) {
    const attribute = attributes[name];
    if (!attribute) continue;
    lengthPrefixed(Buffer.from(name, 'utf8'));
    lengthPrefixed(Buffer.from(attribute.dataType, 'utf8'));
    if (attribute.dataType.startsWith('Binary')) {
      parts.push(Buffer.from([2]));
      lengthPrefixed(Buffer.from(attribute.binaryValue ?? '', 'base64'));
    } else {
      parts.push(Buffer.from([1]));
      lengthPrefixed(Buffer.from(attribute.stringValue ?? '', 'utf8'));
    }
  }
  return md5(Buffer.concat(parts));
}
