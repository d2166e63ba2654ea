/** Requests of a kind and the payload bytes they carried (what the 64 KB chunk rules bill). */
export interface MessageCount {
  readonly count: number;
  readonly payloadBytes: number;
}

/** What SNS, SQS and EventBridge would bill the router's traffic as, counted since the stack started (issue 27). */
export interface RouterUsage {
  /** SNS Publish calls accepted (each message's body and attributes). */
  readonly snsPublishes: MessageCount;
  /** Each PutEvents entry accepted is one event (its Source, DetailType, Detail, Resources and Time). */
  readonly eventBridgeEvents: MessageCount;
  readonly sqs: {
    /** SendMessage: SNS's and EventBridge's deliveries to the queues, and operators' sends (bodies' bytes, attributes left out). */
    readonly sends: MessageCount;
    /** ReceiveMessage calls of the event source mappings that returned a batch (its bodies' bytes). */
    readonly receives: MessageCount;
    /** ReceiveMessage calls that returned nothing: each idle long poll, as modelled by `LongPollers`. */
    readonly emptyReceives: number;
    /** DeleteMessageBatch calls: one per invocation that processed at least one of its records. */
    readonly deletes: number;
  };
}

/**
 * Lambda's pollers of one SQS event source mapping, as far as they make requests: "For standard queues, Lambda uses
 * long polling to poll a queue until it becomes active. When messages are available, Lambda starts processing five
 * batches at a time with five concurrent invocations of your function"
 * (https://docs.aws.amazon.com/lambda/latest/dg/services-sqs-scaling.html). So five pollers each hold a long poll,
 * and one that waits its full 20 seconds (ReceiveMessage's longest WaitTimeSeconds,
 * https://docs.aws.amazon.com/AWSSimpleQueueService/latest/SQSDeveloperGuide/sqs-short-and-long-polling.html) gets
 * nothing back: an empty receive, billed as any request. Counted lazily from the clock, no timers: a receive that
 * finds messages is the longest-waiting poller's, which then polls again.
 */
export class LongPollers {
  static readonly POLLERS = 5;
  static readonly WAIT_MS = 20_000;
  private readonly pollingSince: number[];
  private emptyReceives = 0;
  private stoppedAt?: number;

  constructor(now: number) {
    this.pollingSince = Array.from({ length: LongPollers.POLLERS }, () => now);
  }

  /** A receive at `now` found messages. */
  received(now: number): void {
    const longest = this.pollingSince.indexOf(Math.min(...this.pollingSince));
    this.emptyReceives += this.idlePolls(this.pollingSince[longest]!, now);
    this.pollingSince[longest] = now;
  }

  /** The event source mapping stops polling (the stack stops). */
  stop(now: number): void {
    this.stoppedAt ??= now;
  }

  /** Empty receives made by `now`, the ones still running not included. */
  emptyReceivesBy(now: number): number {
    const until = Math.min(now, this.stoppedAt ?? Infinity);
    return this.pollingSince.reduce((sum, since) => sum + this.idlePolls(since, until), this.emptyReceives);
  }

  private idlePolls(since: number, until: number): number {
    return Math.max(0, Math.floor((until - since) / LongPollers.WAIT_MS));
  }
}

/** SQS's meter of one queue: sends, and its event source mapping's receives and deletes. */
export class SqsMeter {
  sends = 0;
  sentBytes = 0;
  receives = 0;
  receivedBytes = 0;
  deletes = 0;
  pollers?: LongPollers;
}

/** The sum of the queues' meters at `now`. */
export function sqsUsage(meters: readonly SqsMeter[], now: number): RouterUsage['sqs'] {
  const total = (of: (meter: SqsMeter) => number) => meters.reduce((sum, meter) => sum + of(meter), 0);
  return {
    sends: { count: total((meter) => meter.sends), payloadBytes: total((meter) => meter.sentBytes) },
    receives: { count: total((meter) => meter.receives), payloadBytes: total((meter) => meter.receivedBytes) },
    emptyReceives: total((meter) => meter.pollers?.emptyReceivesBy(now) ?? 0),
    deletes: total((meter) => meter.deletes),
  };
}
