import type { FunctionUsage } from '../lambda/lambda-usage';
import type { MessageCount } from '../router/router-usage';
import type { StackUsage } from '../stack-usage';
import type { BookingCounts, LambdaInvocations, Messages } from './cost';

/** What a phase's bookings asked of AWS: the stack's usage after the phase less its usage before, per booking. */
export interface PhaseUsage {
  readonly before: StackUsage;
  readonly after: StackUsage;
  readonly bookings: number;
  /**
   * Functions whose runs are not the bookings' (the scheduled reconciler: fixedMonthlyUsd prices its runs), left
   * out with the rate schedules' invocations.
   */
  readonly fixedCostFunctions?: readonly string[];
}

/** The counts local/bench/cost.ts prices, from two snapshots of the stack's usage (local/stack-usage.ts). */
export function bookingCounts({ before, after, bookings, fixedCostFunctions = [] }: PhaseUsage): BookingCounts {
  if (!(bookings > 0)) throw new RangeError(`A phase must have booked something to be priced, got ${bookings} bookings`);
  const per = (made: number) => made / bookings;
  const functions = lambdaDifferences(before.lambda, after.lambda).filter(({ fn }) => !fixedCostFunctions.includes(fn));
  const clientRequests = after.appsync.requests.client - before.appsync.requests.client;
  const iamRequests = after.appsync.requests.iam - before.appsync.requests.iam;
  return {
    appsyncRequests: per(clientRequests + iamRequests),
    appsyncClientRequests: per(clientRequests),
    appsyncRealtimeMessages: per(after.appsync.realtimeMessages - before.appsync.realtimeMessages),
    appsyncConnectionMinutes: per(after.appsync.connectionMinutes - before.appsync.connectionMinutes),
    lambdaInvocations: functions.map(({ fn, used }) => lambdaInvocations(fn, used, bookings)),
    dynamoDbWriteUnits: per(dynamoDbUnits(before, after, 'writeUnits', fixedCostFunctions)),
    dynamoDbReadUnits: per(dynamoDbUnits(before, after, 'readUnits', fixedCostFunctions)),
    snsPublishes: messages([before.sns.publishes], [after.sns.publishes], bookings),
    sqsRequests: sqsRequests(before.sqs, after.sqs, bookings),
    eventBridgeEvents: messages([before.eventBridge.events], [after.eventBridge.events], bookings),
    schedulerInvocations: per(after.scheduler.oneTimeInvocations - before.scheduler.oneTimeInvocations),
    sesEmails: per(after.ses.emails - before.ses.emails),
    secretsManagerCalls: per(functions.reduce((sum, { used }) => sum + used.secretReads, 0)),
    logBytes: per(functions.reduce((sum, { used }) => sum + used.logBytes, 0)),
    dataTransferOutBytes: per(after.appsync.responseBytes - before.appsync.responseBytes),
  };
}

/**
 * The HTTP requests the functions made per booking during the phase (their SDK clients' calls to the local
 * endpoints), in all and by function: not billed as such, but what the local stack's CPU per booking is made of.
 */
export function functionRequests({ before, after, bookings, fixedCostFunctions = [] }: PhaseUsage) {
  const byFunction = Object.fromEntries(
    lambdaDifferences(before.lambda, after.lambda)
      .filter(({ fn, used }) => !fixedCostFunctions.includes(fn) && used.requests > 0)
      .map(({ fn, used }) => [fn, used.requests / bookings]),
  );
  return { total: Object.values(byFunction).reduce((sum, requests) => sum + requests, 0), byFunction };
}

/** Units billed during the phase, less those of the fixed-cost functions (the reconciler's Scans). */
function dynamoDbUnits(
  before: StackUsage,
  after: StackUsage,
  kind: 'writeUnits' | 'readUnits',
  fixedCostFunctions: readonly string[],
): number {
  const fixed = (usage: StackUsage) => fixedCostFunctions.reduce((sum, fn) => sum + (usage.dynamodb.byCaller[fn]?.[kind] ?? 0), 0);
  return after.dynamodb[kind] - fixed(after) - (before.dynamodb[kind] - fixed(before));
}

/** Each function's usage during the phase (a function started during it had none before). */
function lambdaDifferences(
  before: Readonly<Record<string, FunctionUsage>>,
  after: Readonly<Record<string, FunctionUsage>>,
): { fn: string; used: FunctionUsage }[] {
  return Object.entries(after)
    .map(([fn, then]) => {
      const was = before[fn];
      const used: FunctionUsage = {
        memoryMB: then.memoryMB,
        invocations: then.invocations - (was?.invocations ?? 0),
        billedMs: then.billedMs - (was?.billedMs ?? 0),
        freshStarts: then.freshStarts - (was?.freshStarts ?? 0),
        initMs: then.initMs - (was?.initMs ?? 0),
        logBytes: then.logBytes - (was?.logBytes ?? 0),
        secretReads: then.secretReads - (was?.secretReads ?? 0),
        requests: then.requests - (was?.requests ?? 0),
      };
      return { fn, used };
    })
    .filter(({ used }) => used.invocations > 0 || used.freshStarts > 0);
}

/** Per booking; the duration is the mean of the invocations' billed (rounded) durations, as cost.ts asks. */
function lambdaInvocations(fn: string, used: FunctionUsage, bookings: number): LambdaInvocations {
  return {
    fn,
    memoryMB: used.memoryMB,
    invocations: used.invocations / bookings,
    durationMs: used.invocations > 0 ? used.billedMs / used.invocations : 0,
    freshStarts: used.freshStarts / bookings,
    initMs: used.freshStarts > 0 ? used.initMs / used.freshStarts : 0,
    architecture: 'arm64',
  };
}

/** Requests per booking, and the mean payload of one (what the 64 KB chunk rule bills). */
function messages(before: readonly MessageCount[], after: readonly MessageCount[], bookings: number): Messages {
  const total = (counts: readonly MessageCount[]) =>
    counts.reduce((sum, count) => ({ count: sum.count + count.count, payloadBytes: sum.payloadBytes + count.payloadBytes }), {
      count: 0,
      payloadBytes: 0,
    });
  const [was, is] = [total(before), total(after)];
  const count = is.count - was.count;
  return { count: count / bookings, payloadBytes: count > 0 ? (is.payloadBytes - was.payloadBytes) / count : 0 };
}

/** Sends, receives (the empty ones too, which carry nothing) and deletes, each one SQS request. */
function sqsRequests(before: StackUsage['sqs'], after: StackUsage['sqs'], bookings: number): Messages {
  const requests = (sqs: StackUsage['sqs']): MessageCount[] => [
    sqs.sends,
    sqs.receives,
    { count: sqs.emptyReceives, payloadBytes: 0 },
    { count: sqs.deletes, payloadBytes: 0 },
  ];
  return messages(requests(before), requests(after), bookings);
}
