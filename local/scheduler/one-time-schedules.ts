import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { localWallTimeToInstant } from '../../core/domain/zoned-time';
import { LOCAL_ACCOUNT_ID } from '../aws-identity';
import type { LocalLogger } from '../log';
import { closeNow, listenOnLoopback, readRequestBody } from '../network';
import { RetryWaits } from '../retry-waits';

/*
 * EventBridge Scheduler's one-time schedules, locally, behind the same HTTP API the AWS SDK v3 client
 * (@aws-sdk/client-scheduler, restJson1) speaks: point a SchedulerClient at `url` with AWS_ENDPOINT_URL_SCHEDULER.
 *
 * AWS pages this follows:
 *   Schedule types, one-time schedules and time zones: https://docs.aws.amazon.com/scheduler/latest/UserGuide/schedule-types.html
 *   CreateSchedule (shape, errors):                   https://docs.aws.amazon.com/scheduler/latest/APIReference/API_CreateSchedule.html
 *   DeleteSchedule (groupName, clientToken, 404):      https://docs.aws.amazon.com/scheduler/latest/APIReference/API_DeleteSchedule.html
 *   ActionAfterCompletion DELETE:                     https://docs.aws.amazon.com/scheduler/latest/UserGuide/managing-schedule-delete.html
 *   RetryPolicy (0..185 retries):                     https://docs.aws.amazon.com/scheduler/latest/APIReference/API_RetryPolicy.html
 *   Dead-letter queue after the retries:              https://docs.aws.amazon.com/scheduler/latest/UserGuide/configuring-schedule-dlq.html
 *   Lambda targets are invoked asynchronously:        https://docs.aws.amazon.com/lambda/latest/dg/with-eventbridge-scheduler.html
 */

/** A Scheduler error as restJson1 carries it: HTTP status, `x-amzn-errortype` header, body `{ "Message": … }`. */
class SchedulerError extends Error {
  constructor(
    readonly code: 'ConflictException' | 'ResourceNotFoundException' | 'ValidationException' | 'UnknownOperationException',
    message: string,
  ) {
    super(message);
  }

  get statusCode(): number {
    return { ConflictException: 409, ResourceNotFoundException: 404, ValidationException: 400, UnknownOperationException: 404 }[this.code];
  }
}

/** The schedule's target as CreateSchedule's body gives it (the fields a Lambda target uses). */
interface ScheduleTarget {
  readonly Arn: string;
  readonly RoleArn: string;
  readonly Input?: string;
  readonly RetryPolicy?: { readonly MaximumRetryAttempts?: number; readonly MaximumEventAgeInSeconds?: number };
  readonly DeadLetterConfig?: { readonly Arn?: string };
}

interface HeldSchedule {
  readonly name: string;
  readonly group: string;
  readonly expression: string;
  readonly timeZone: string;
  /** Undefined when the zone's clocks never show the wall time (skipped when they go forward): it never fires. */
  readonly at: Date | undefined;
  readonly target: ScheduleTarget;
  readonly flexibleTimeWindow: { readonly Mode: string; readonly MaximumWindowInMinutes?: number };
  readonly actionAfterCompletion: 'NONE' | 'DELETE';
  readonly state: 'ENABLED' | 'DISABLED';
  readonly description?: string;
  readonly createdAt: Date;
  readonly modifiedAt: Date;
  /** Set once it has fired (or begun to): a NONE schedule stays held, done, and never fires again. */
  fired: boolean;
}

/** What `schedules()` lists, for tests and the operator. */
export interface OneTimeScheduleSummary {
  readonly name: string;
  readonly group: string;
  readonly expression: string;
  readonly timeZone: string;
  readonly at: Date | undefined;
  readonly targetArn: string;
  readonly input: unknown;
  readonly state: 'ENABLED' | 'DISABLED';
  readonly actionAfterCompletion: 'NONE' | 'DELETE';
  readonly fired: boolean;
}

export interface LocalOneTimeSchedulesOptions {
  /**
   * Hands the target (a function's ARN) the schedule's Input, parsed from JSON; rejects when it cannot be handed over.
   * For Lambda that is asynchronous invocation: it resolves once Lambda has queued the event, and the function's own
   * failures are Lambda's to retry (local/lambda/async-invocation.ts), never Scheduler's.
   */
  readonly invoke: (targetArn: string, input: unknown) => Promise<unknown>;
  /** Sends a dead-letter event to the SQS queue a target's DeadLetterConfig names; without it, the event is only logged. */
  readonly sendDeadLetter?: (queueArn: string, message: DeadLetterEvent) => void;
  readonly logger: LocalLogger;
  /** The clock schedules are due by; real time unless given. Timers assume it advances like real time: drive a test clock with `fireDue`. */
  readonly now?: () => Date;
  /** For the ARNs answered; us-east-1 unless given. */
  readonly region?: string;
  /** Wait before retrying a failed invocation (AWS backs off exponentially over up to 24 h); 1 s unless given. */
  readonly retryDelayMs?: number;
  /** Most retries of a failed invocation, whatever the RetryPolicy asks (AWS allows 185, its default); 3 unless given. */
  readonly maxRetryAttempts?: number;
}

/**
 * What Scheduler puts in a schedule's dead-letter queue once the retries are spent: the target's input as the body,
 * the failure in message attributes (configuring-schedule-dlq page above).
 */
export interface DeadLetterEvent {
  readonly body: string;
  readonly attributes: Record<string, { readonly dataType: 'String'; readonly stringValue: string }>;
}

const DEFAULT_GROUP = 'default';
/** AWS retries up to 185 times when the RetryPolicy leaves it out (RetryPolicy page above; CDK's LambdaInvoke documents the default). */
const AWS_DEFAULT_RETRY_ATTEMPTS = 185;
/** setTimeout fires at once for a delay above 2^31-1 ms (about 24.8 days): longer waits are re-armed in steps. */
const MAX_TIMEOUT_MS = 2 ** 31 - 1;
const MAX_BODY_BYTES = 256 * 1024;
// Names and groups: 1-64 of [0-9a-zA-Z-_.] (CreateSchedule page above).
const NAME_PATTERN = /^[0-9a-zA-Z\-_.]{1,64}$/;
const AT_EXPRESSION = /^at\((\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})\)$/;

/**
 * EventBridge Scheduler's one-time schedules (`at(yyyy-mm-ddThh:mm:ss)` in ScheduleExpressionTimezone, UTC by default):
 * CreateSchedule, UpdateSchedule, GetSchedule and DeleteSchedule over HTTP, one schedule per (group, name). Each fires
 * once at its instant: the target is invoked asynchronously, as Scheduler invokes Lambda; a failed invocation is
 * retried per the target's RetryPolicy (capped locally) and then sent to the DeadLetterConfig queue, or dropped with an
 * error line when there is none. After firing, ActionAfterCompletion DELETE removes the schedule; NONE (AWS's default) keeps it, done.
 * Invocations may overlap, as Scheduler does not wait for one.
 */
export class LocalOneTimeSchedules {
  private readonly held = new Map<string, HeldSchedule>();
  private readonly running = new Set<Promise<void>>();
  private invocationAttempts = 0;
  private readonly retryWaits = new RetryWaits();
  private readonly now: () => Date;
  private readonly region: string;
  private readonly retryDelayMs: number;
  private readonly maxRetryAttempts: number;
  private server: Server | undefined;
  private serverUrl: string | undefined;
  private timer: NodeJS.Timeout | undefined;
  private stopped = false;
  private stopping: Promise<void> | undefined;

  constructor(private readonly options: LocalOneTimeSchedulesOptions) {
    this.now = options.now ?? (() => new Date());
    this.region = options.region ?? 'us-east-1';
    this.retryDelayMs = options.retryDelayMs ?? 1000;
    this.maxRetryAttempts = options.maxRetryAttempts ?? 3;
  }

  /** Serves the API on 127.0.0.1 (port 0: a free one); resolves to the base URL, also `url` from then on. */
  async listen(port = 0): Promise<string> {
    if (this.serverUrl) return this.serverUrl;
    const server = createServer((request, response) => {
      void this.handle(request, response).catch((error: unknown) => {
        if (!response.headersSent) response.writeHead(500, { 'content-type': 'text/plain' });
        response.end(error instanceof Error ? error.message : String(error));
      });
    });
    this.server = server;
    this.serverUrl = await listenOnLoopback(server, port);
    return this.serverUrl;
  }

  /** For AWS_ENDPOINT_URL_SCHEDULER. */
  get url(): string {
    if (!this.serverUrl) throw new Error('LocalOneTimeSchedules: call listen() first');
    return this.serverUrl;
  }

  /** Every schedule held, earliest first (those that never fire last). */
  schedules(): OneTimeScheduleSummary[] {
    return [...this.held.values()]
      .sort((a, b) => (a.at?.getTime() ?? Infinity) - (b.at?.getTime() ?? Infinity))
      .map((schedule) => ({
        name: schedule.name,
        group: schedule.group,
        expression: schedule.expression,
        timeZone: schedule.timeZone,
        at: schedule.at,
        targetArn: schedule.target.Arn,
        input: targetInput(schedule.target),
        state: schedule.state,
        actionAfterCompletion: schedule.actionAfterCompletion,
        fired: schedule.fired,
      }));
  }

  /** Target invocations Scheduler would bill so far: every attempt, retries included. */
  get invocations(): number {
    return this.invocationAttempts;
  }

  /**
   * Fires at once every enabled schedule due at or before `until` that has not fired, and resolves with how many
   * once their invocations (retries included) have settled. Tests move time with it instead of sleeping.
   */
  async fireDue(until: Date): Promise<number> {
    const due = [...this.held.values()].filter((schedule) => isPending(schedule) && schedule.at.getTime() <= until.getTime());
    const invocations = due.map((schedule) => this.fire(schedule));
    this.arm();
    await Promise.all(invocations);
    return due.length;
  }

  /** Closes the server, clears the timers and waits for the invocations under way (a retry waiting gives up). Idempotent. */
  stop(): Promise<void> {
    return (this.stopping ??= this.stopNow());
  }

  private async stopNow(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    this.retryWaits.endAll();
    if (this.server) await closeNow(this.server);
    await Promise.allSettled([...this.running]);
  }

  private async handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const requestId = randomUUID();
    const send = (status: number, payload: unknown, errorType?: string) => {
      response.writeHead(status, {
        'content-type': 'application/json',
        'x-amzn-requestid': requestId,
        ...(errorType ? { 'x-amzn-errortype': errorType } : {}),
      });
      response.end(JSON.stringify(payload));
    };
    try {
      const body = await readRequestBody(request, MAX_BODY_BYTES);
      const url = new URL(request.url ?? '/', 'http://local');
      const match = /^\/schedules\/([^/]+)$/.exec(url.pathname);
      const method = request.method ?? 'GET';
      if (!match?.[1]) throw new SchedulerError('UnknownOperationException', `The local Scheduler serves no ${method} ${url.pathname}`);
      const name = decodeURIComponent(match[1]);
      if (method === 'POST') return send(200, this.create(name, parseBody(body)));
      if (method === 'PUT') return send(200, this.update(name, parseBody(body)));
      const group = url.searchParams.get('groupName') ?? DEFAULT_GROUP;
      if (method === 'GET') return send(200, this.describe(this.find(name, group)));
      if (method === 'DELETE') {
        this.delete(name, group);
        return send(200, {});
      }
      throw new SchedulerError(
        'UnknownOperationException',
        `The local Scheduler serves one-time schedules only (Create, Update, Get, Delete), not ${method} ${url.pathname}`,
      );
    } catch (error) {
      if (!(error instanceof SchedulerError)) throw error;
      send(error.statusCode, { Message: error.message }, error.code);
    }
  }

  private create(name: string, body: Record<string, unknown>): { ScheduleArn: string } {
    const schedule = this.validated(name, body);
    const key = keyOf(schedule.group, schedule.name);
    // Names are unique within their group (CreateSchedule: ConflictException, 409).
    if (this.held.has(key)) throw new SchedulerError('ConflictException', `Schedule ${schedule.name} already exists.`);
    this.held.set(key, schedule);
    this.options.logger.info('A one-time schedule was created', summaryKeys(schedule));
    this.arm();
    return { ScheduleArn: this.arnOf(schedule) };
  }

  /** UpdateSchedule replaces the whole schedule (fields left out take their defaults), keeping its creation date. */
  private update(name: string, body: Record<string, unknown>): { ScheduleArn: string } {
    const existing = this.find(name, typeof body.GroupName === 'string' ? body.GroupName : DEFAULT_GROUP);
    const schedule = { ...this.validated(name, body), createdAt: existing.createdAt };
    this.held.set(keyOf(schedule.group, schedule.name), schedule);
    this.options.logger.info('A one-time schedule was updated', summaryKeys(schedule));
    this.arm();
    return { ScheduleArn: this.arnOf(schedule) };
  }

  private delete(name: string, group: string): void {
    const schedule = this.find(name, group);
    this.held.delete(keyOf(group, name));
    this.options.logger.info('A one-time schedule was deleted', summaryKeys(schedule));
    this.arm();
  }

  private find(name: string, group: string): HeldSchedule {
    const schedule = this.held.get(keyOf(group, name));
    if (!schedule) throw new SchedulerError('ResourceNotFoundException', `Schedule ${name} does not exist.`);
    return schedule;
  }

  /** GetSchedule's answer; timestamps as epoch seconds, restJson1's default. */
  private describe(schedule: HeldSchedule): Record<string, unknown> {
    return {
      Arn: this.arnOf(schedule),
      Name: schedule.name,
      GroupName: schedule.group,
      ScheduleExpression: schedule.expression,
      ScheduleExpressionTimezone: schedule.timeZone,
      FlexibleTimeWindow: schedule.flexibleTimeWindow,
      Target: schedule.target,
      ActionAfterCompletion: schedule.actionAfterCompletion,
      State: schedule.state,
      ...(schedule.description !== undefined ? { Description: schedule.description } : {}),
      CreationDate: schedule.createdAt.getTime() / 1000,
      LastModificationDate: schedule.modifiedAt.getTime() / 1000,
    };
  }

  private validated(name: string, body: Record<string, unknown>): HeldSchedule {
    const group = body.GroupName ?? DEFAULT_GROUP;
    if (!NAME_PATTERN.test(name)) throw invalid(`Invalid schedule name ${name}: 1 to 64 of [0-9a-zA-Z-_.]`);
    if (typeof group !== 'string' || !NAME_PATTERN.test(group)) throw invalid(`Invalid schedule group name ${JSON.stringify(group)}`);
    const expression = body.ScheduleExpression;
    if (typeof expression !== 'string') throw invalid('ScheduleExpression is required');
    const timeZone = body.ScheduleExpressionTimezone ?? 'UTC';
    if (typeof timeZone !== 'string' || !isTimeZone(timeZone))
      throw invalid(`Invalid ScheduleExpressionTimezone ${JSON.stringify(timeZone)}`);
    const window = body.FlexibleTimeWindow as HeldSchedule['flexibleTimeWindow'] | undefined;
    if (window?.Mode !== 'OFF' && window?.Mode !== 'FLEXIBLE') throw invalid('FlexibleTimeWindow.Mode must be OFF or FLEXIBLE');
    const target = body.Target as Partial<ScheduleTarget> | undefined;
    if (typeof target?.Arn !== 'string' || typeof target.RoleArn !== 'string') throw invalid('Target.Arn and Target.RoleArn are required');
    const action = body.ActionAfterCompletion ?? 'NONE';
    if (action !== 'NONE' && action !== 'DELETE') throw invalid(`Invalid ActionAfterCompletion ${JSON.stringify(action)}`);
    const state = body.State ?? 'ENABLED';
    if (state !== 'ENABLED' && state !== 'DISABLED') throw invalid(`Invalid State ${JSON.stringify(state)}`);
    const now = this.now();
    return {
      name,
      group,
      expression,
      timeZone,
      at: this.instantOf(expression, timeZone, name),
      target: target as ScheduleTarget,
      flexibleTimeWindow: window,
      actionAfterCompletion: action,
      state,
      ...(typeof body.Description === 'string' ? { description: body.Description } : {}),
      createdAt: now,
      modifiedAt: now,
      fired: false,
    };
  }

  /**
   * The instant `at(yyyy-mm-ddThh:mm:ss)` names in `timeZone`. Only at() expressions are served here: rate() and cron()
   * schedules are AWS's too, but the local stack runs its recurring ones with LocalScheduler.
   * AWS invokes within the minute of the time given (60-second precision, schedule-types page); locally, at the instant.
   */
  private instantOf(expression: string, timeZone: string, name: string): Date | undefined {
    const parts = AT_EXPRESSION.exec(expression)?.slice(1).map(Number);
    const [year, month, day, hour, minute, second] = parts ?? [];
    if (
      year === undefined ||
      month === undefined ||
      day === undefined ||
      hour === undefined ||
      minute === undefined ||
      second === undefined
    ) {
      throw invalid(
        `Invalid Schedule Expression ${expression}: the local Scheduler serves one-time at(yyyy-mm-ddThh:mm:ss) schedules only`,
      );
    }
    // Date.UTC rolls 2027-02-30 over into March, and localWallTimeToInstant with it: refuse what is no calendar time.
    const calendar = new Date(Date.UTC(year, month - 1, day));
    if (calendar.getUTCMonth() !== month - 1 || calendar.getUTCDate() !== day || hour > 23 || minute > 59 || second > 59) {
      throw invalid(`Invalid Schedule Expression ${expression}`);
    }
    const pad = (value: number) => String(value).padStart(2, '0');
    const minuteStart = localWallTimeToInstant(`${year}-${pad(month)}-${pad(day)}`, `${pad(hour)}:${pad(minute)}`, timeZone);
    if (!minuteStart) {
      // AWS skips an invocation whose local time does not exist when clocks go forward (re:Post, "adjust EventBridge
      // Scheduler for daylight saving time": https://repost.aws/knowledge-center/eventbridge-scheduler-adjust-dst);
      // kept, as AWS keeps it, and never fired.
      this.options.logger.warn('A one-time schedule names a wall time its zone skips: it will never fire', { name, expression, timeZone });
      return undefined;
    }
    return new Date(minuteStart.getTime() + second * 1000);
  }

  /** One timer, armed for the earliest pending schedule (unref'd: it never holds the process open). */
  private arm(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    if (this.stopped) return;
    let next: number | undefined;
    for (const schedule of this.held.values()) {
      if (isPending(schedule) && (next === undefined || schedule.at.getTime() < next)) next = schedule.at.getTime();
    }
    if (next === undefined) return;
    const delay = Math.max(0, next - this.now().getTime());
    // Beyond setTimeout's limit the timer only re-arms: fireDue(now) then fires nothing and arms the rest of the wait.
    this.timer = setTimeout(
      () => {
        this.timer = undefined;
        void this.fireDue(this.now());
      },
      Math.min(delay, MAX_TIMEOUT_MS),
    );
    this.timer.unref();
  }

  private fire(schedule: HeldSchedule): Promise<void> {
    schedule.fired = true;
    this.options.logger.info('A one-time schedule fired', summaryKeys(schedule));
    const invocation = this.invokeWithRetries(schedule)
      .then(() => {
        // After the invocation, as AWS deletes a one-time schedule once it has invoked its target: only this very
        // schedule, not one an UpdateSchedule put in its place meanwhile.
        const key = keyOf(schedule.group, schedule.name);
        if (schedule.actionAfterCompletion === 'DELETE' && this.held.get(key) === schedule) {
          this.held.delete(key);
          this.options.logger.info('A one-time schedule was deleted after completion', summaryKeys(schedule));
        }
      })
      .finally(() => this.running.delete(invocation));
    this.running.add(invocation);
    return invocation;
  }

  /**
   * Scheduler retries a failed delivery per the target's RetryPolicy (185 retries over 24 h unless set), then sends
   * it to the DeadLetterConfig queue or drops it; a target that does not exist, or that the role may not invoke, is
   * not retried at all. Locally: a fixed wait, at most `maxRetryAttempts` retries, and an error line naming the queue.
   * (A Lambda target is invoked asynchronously: its function's errors are Lambda's to retry, never Scheduler's.)
   */
  private async invokeWithRetries(schedule: HeldSchedule): Promise<void> {
    const retries = Math.min(schedule.target.RetryPolicy?.MaximumRetryAttempts ?? AWS_DEFAULT_RETRY_ATTEMPTS, this.maxRetryAttempts);
    const input = targetInput(schedule.target);
    for (let attempt = 1; ; attempt += 1) {
      try {
        this.invocationAttempts += 1;
        await this.options.invoke(schedule.target.Arn, input);
        return;
      } catch (error) {
        const keys = { ...summaryKeys(schedule), attempt, error: error instanceof Error ? error.message : String(error) };
        const permanent = isPermanent(error);
        if (permanent || attempt > retries || this.stopped) {
          const deadLetterQueue = this.stopped ? undefined : schedule.target.DeadLetterConfig?.Arn;
          this.options.logger.error(
            permanent ? 'A one-time schedule’s target cannot be invoked' : 'A one-time schedule’s invocation failed every attempt',
            {
              ...keys,
              deadLetterQueue: deadLetterQueue ?? 'none: the invocation is dropped',
              ...(this.stopped ? { reason: 'the local Scheduler stopped' } : {}),
            },
          );
          if (deadLetterQueue)
            this.options.sendDeadLetter?.(deadLetterQueue, this.deadLetterEvent(schedule, { retries: attempt - 1, permanent }, error));
          return;
        }
        this.options.logger.warn('A one-time schedule’s invocation failed; retrying', { ...keys, retryInMs: this.retryDelayMs });
        await this.retryWaits.wait(this.retryDelayMs);
      }
    }
  }

  private deadLetterEvent(schedule: HeldSchedule, ending: { retries: number; permanent: boolean }, error: unknown): DeadLetterEvent {
    const attribute = (stringValue: string) => ({ dataType: 'String' as const, stringValue });
    return {
      body: schedule.target.Input ?? '',
      attributes: {
        // The target service's error: for Lambda, Invoke's error code (ResourceNotFoundException, TooManyRequestsException…).
        ERROR_CODE: attribute(error instanceof Error ? error.name : 'Error'),
        ERROR_MESSAGE: attribute(error instanceof Error ? error.message : String(error)),
        EXECUTION_ID: attribute(randomUUID()),
        // Only when a retry limit ended the delivery; a permanent failure was never retried.
        ...(ending.permanent ? {} : { EXHAUSTED_RETRY_CONDITION: attribute('MaximumRetryAttempts') }),
        IS_PAYLOAD_TRUNCATED: attribute('false'),
        RETRY_ATTEMPTS: attribute(String(ending.retries)),
        ...(schedule.at ? { SCHEDULED_TIME: attribute(`${schedule.at.toISOString().slice(0, 19)}Z`) } : {}),
        SCHEDULE_ARN: attribute(this.arnOf(schedule)),
        TARGET_ARN: attribute(schedule.target.Arn),
      },
    };
  }

  private arnOf(schedule: HeldSchedule): string {
    return `arn:aws:scheduler:${this.region}:${LOCAL_ACCOUNT_ID}:schedule/${schedule.group}/${schedule.name}`;
  }
}

/** Errors Scheduler does not retry: the target is missing, or the schedule's role may not invoke it. */
const PERMANENT_ERRORS = new Set(['ResourceNotFoundException', 'AccessDeniedException']);
const isPermanent = (error: unknown): boolean => error instanceof Error && PERMANENT_ERRORS.has(error.name);

/** A target's Input is JSON text, the payload a Lambda target receives; a schedule without one passes `{}`. */
function targetInput(target: ScheduleTarget): unknown {
  if (target.Input === undefined) return {};
  try {
    return JSON.parse(target.Input) as unknown;
  } catch {
    return target.Input;
  }
}

function isPending(schedule: HeldSchedule): schedule is HeldSchedule & { at: Date } {
  return schedule.at !== undefined && !schedule.fired && schedule.state === 'ENABLED';
}

function keyOf(group: string, name: string): string {
  return `${group}/${name}`;
}

function summaryKeys(schedule: HeldSchedule): Record<string, unknown> {
  return {
    schedule: schedule.name,
    group: schedule.group,
    at: schedule.at?.toISOString(),
    target: schedule.target.Arn,
    actionAfterCompletion: schedule.actionAfterCompletion,
  };
}

function invalid(message: string): SchedulerError {
  return new SchedulerError('ValidationException', message);
}

function parseBody(body: string): Record<string, unknown> {
  try {
    const parsed = JSON.parse(body || '{}') as unknown;
    if (typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed)) return parsed as Record<string, unknown>;
  } catch {
    // answered below
  }
  throw invalid('The request body is not a JSON object');
}

function isTimeZone(timeZone: string): boolean {
  if (knownTimeZones.has(timeZone)) return true;
  try {
    new Intl.DateTimeFormat('en-US', { timeZone });
  } catch {
    return false;
  }
  knownTimeZones.add(timeZone);
  return true;
}

/** Zones already checked: building a DateTimeFormat for each CreateSchedule was a profile's hot spot (one per booking). */
const knownTimeZones = new Set<string>();
