/**
 * The waits between a local service's retries (Lambda's asynchronous retries, Scheduler's), which a stopping service
 * cuts short: each resolves after its delay, or at once when the service stops.
 */
export class RetryWaits {
  private readonly waiting = new Set<{ timer: NodeJS.Timeout; resume: () => void }>();

  wait(delayMs: number): Promise<void> {
    return new Promise((resolve) => {
      const wait = {
        timer: setTimeout(() => wait.resume(), delayMs),
        resume: () => {
          this.waiting.delete(wait);
          resolve();
        },
      };
      this.waiting.add(wait);
    });
  }

  /** Ends every wait now: the retries behind them find their service stopped. */
  endAll(): void {
    for (const wait of [...this.waiting]) {
      clearTimeout(wait.timer);
      wait.resume();
    }
  }
}
