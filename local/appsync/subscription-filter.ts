/**
 * AppSync's subscription filtering by arguments: a published change reaches a
 * subscriber only if, for every argument the subscriber gave (not null), the
 * published object has a field of that name with the same value.
 */
export function matchesSubscriptionArguments(published: unknown, args: Readonly<Record<string, unknown>>): boolean {
  if (published === null || typeof published !== 'object') return false;
  return Object.entries(args).every(([name, value]) => value === null || value === undefined || (published as Record<string, unknown>)[name] === value);
}

/** The changes from `source` that match the subscriber's arguments; `return()` ends the subscription at the source. */
export function publishedChangesMatching(source: AsyncIterator<unknown>, args: Readonly<Record<string, unknown>>): AsyncIterableIterator<unknown> {
  return {
    async next() {
      for (;;) {
        const result = await source.next();
        if (result.done || matchesSubscriptionArguments(result.value, args)) return result;
      }
    },
    return: (value?: unknown) => source.return?.(value) ?? Promise.resolve({ done: true as const, value: undefined }),
    throw: (error?: unknown) => source.throw?.(error) ?? Promise.reject(error instanceof Error ? error : new Error(String(error))),
    [Symbol.asyncIterator]() {
      return this;
    },
  };
}
