/** Runs `count` tasks from `clients` concurrent loops (the benchmark and the reliability suites), as that many clients would, and returns each task's latency in ms. */
export async function runConcurrently(
  count: number,
  clients: number,
  task: (index: number) => Promise<void>,
  onDone?: () => void,
): Promise<number[]> {
  const latencies = new Array<number>(count);
  let next = 0;
  const client = async () => {
    for (let index = next++; index < count; index = next++) {
      const started = performance.now();
      await task(index);
      latencies[index] = performance.now() - started;
      onDone?.();
    }
  };
  await Promise.all(Array.from({ length: Math.min(clients, count) }, client));
  return latencies;
}

export function percentile(values: readonly number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? NaN;
}
