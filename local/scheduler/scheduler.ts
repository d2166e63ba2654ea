import type { LocalLogger } from '../log';

/** A schedule as the topology declares it: a function invoked at a fixed rate. */
export interface LocalSchedule {
  readonly name: string;
  readonly everyMs: number;
  readonly invoke: (event: unknown) => Promise<unknown>;
}

/**
 * EventBridge Scheduler's rate schedules, locally: each target is invoked every `everyMs`, the
 * first time one period after start, asynchronously as Scheduler invokes Lambda (Lambda Developer
 * Guide, "Invoke a Lambda function on a schedule"), with no input. A failed invocation is logged
 * and the next period runs regardless; invocations may overlap, as Scheduler does not wait for one.
 */
export class LocalScheduler {
  private readonly timers: NodeJS.Timeout[] = [];
  private readonly running = new Set<Promise<unknown>>();
  private fired = 0;

  constructor(private readonly logger: LocalLogger) {}

  add(schedule: LocalSchedule): void {
    const timer = setInterval(() => this.fire(schedule), schedule.everyMs);
    timer.unref();
    this.timers.push(timer);
  }

  /** Target invocations Scheduler would bill so far. */
  get invocations(): number {
    return this.fired;
  }

  /** Stops the schedules and waits for the invocations under way. */
  async stop(): Promise<void> {
    for (const timer of this.timers.splice(0)) clearInterval(timer);
    await Promise.allSettled([...this.running]);
  }

  private fire(schedule: LocalSchedule): void {
    this.fired += 1;
    const invocation = schedule
      .invoke({})
      .catch((error: unknown) =>
        this.logger.error('A scheduled invocation failed', {
          schedule: schedule.name,
          error: error instanceof Error ? error.message : String(error),
        }),
      )
      .finally(() => this.running.delete(invocation));
    this.running.add(invocation);
  }
}
