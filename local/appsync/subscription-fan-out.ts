/**
 * AppSync's fan-out of a published change to a subscription field's subscribers,
 * with its argument filtering: a change reaches a subscriber only if, for every
 * argument the subscriber gave, the change has a field of that name with the same
 * value. An argument given as null matches a field that is null (or that the publish
 * did not select, which the subscriber reads as null); an argument left out filters
 * nothing (`subscriptions.ts` tells the two apart). Subscribers are indexed by the
 * arguments they gave, so a change wakes only the subscribers it matches, not every
 * subscriber of the field.
 */
export class SubscriptionFanOut {
  /** field → the names of the arguments given (joined) → their values (as JSON) → subscribers. */
  private readonly fields = new Map<string, Map<string, ArgumentIndex>>();

  /** A subscriber's stream of matching changes; `return()` unsubscribes. `args`: the arguments it gave, null ones included. */
  listen(fieldName: string, args: Readonly<Record<string, unknown>>): AsyncIterableIterator<unknown> {
    const given = Object.entries(args)
      .filter(([, value]) => value !== undefined)
      .sort(([a], [b]) => a.localeCompare(b));
    const names = given.map(([name]) => name);
    const byNames = this.fields.get(fieldName) ?? new Map<string, ArgumentIndex>();
    this.fields.set(fieldName, byNames);
    const index: ArgumentIndex = byNames.get(names.join(',')) ?? { names, subscribers: new Map<string, Set<ChangeStream>>() };
    byNames.set(names.join(','), index);
    const key = JSON.stringify(given.map(([, value]) => value));
    const subscribers = index.subscribers.get(key) ?? new Set<ChangeStream>();
    index.subscribers.set(key, subscribers);
    const stream = new ChangeStream(() => {
      subscribers.delete(stream);
      if (subscribers.size === 0) index.subscribers.delete(key);
    });
    subscribers.add(stream);
    return stream;
  }

  publish(fieldName: string, change: unknown): void {
    if (change === null || typeof change !== 'object') return;
    const fields = change as Record<string, unknown>;
    for (const index of this.fields.get(fieldName)?.values() ?? []) {
      // A field the change lacks reaches the subscriber as null: it matches a null argument, and no other.
      const values = index.names.map((name) => fields[name] ?? null);
      for (const stream of index.subscribers.get(JSON.stringify(values)) ?? []) stream.push(change);
    }
  }

  /** How many subscribers a field has now (for tests and logs). */
  subscriberCount(fieldName: string): number {
    let count = 0;
    for (const index of this.fields.get(fieldName)?.values() ?? [])
      for (const subscribers of index.subscribers.values()) count += subscribers.size;
    return count;
  }
}

interface ArgumentIndex {
  readonly names: readonly string[];
  readonly subscribers: Map<string, Set<ChangeStream>>;
}

/** One subscriber's queue of changes, read as an async iterator (what graphql-js's `subscribe` maps over). */
class ChangeStream implements AsyncIterableIterator<unknown> {
  private readonly queued: unknown[] = [];
  private waiting: ((result: IteratorResult<unknown>) => void) | undefined;
  private ended = false;

  constructor(private readonly onEnd: () => void) {}

  push(change: unknown): void {
    if (this.ended) return;
    const waiting = this.waiting;
    this.waiting = undefined;
    if (waiting) waiting({ value: change, done: false });
    else this.queued.push(change);
  }

  next(): Promise<IteratorResult<unknown>> {
    if (this.queued.length) return Promise.resolve({ value: this.queued.shift(), done: false });
    if (this.ended) return Promise.resolve({ value: undefined, done: true });
    return new Promise((resolve) => (this.waiting = resolve));
  }

  return(): Promise<IteratorResult<unknown>> {
    this.end();
    return Promise.resolve({ value: undefined, done: true });
  }

  throw(error?: unknown): Promise<IteratorResult<unknown>> {
    this.end();
    return Promise.reject(error instanceof Error ? error : new Error(String(error)));
  }

  [Symbol.asyncIterator](): AsyncIterableIterator<unknown> {
    return this;
  }

  private end(): void {
    if (this.ended) return;
    this.ended = true;
    this.queued.length = 0;
    this.waiting?.({ value: undefined, done: true });
    this.waiting = undefined;
    this.onEnd();
  }
}
