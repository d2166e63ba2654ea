import { parentPort, workerData } from 'node:worker_threads';
import { browseSlots } from './browse-slots';
import { threadCpuMs } from './cpu-time';
import { idleBookings, listenForDecisions, offeredBookings, type ClientProgress, type ClientTask } from './heard-decision';

/**
 * The benchmark's clients in a thread of their own, as apps run on devices of their own: their
 * HTTP requests and websockets do not queue behind the API on the stack's main thread (they still
 * share the machine's cores). Started by `inClientThread`; reports progress, then its figures.
 */
async function run(task: ClientTask): Promise<void> {
  const port = parentPort;
  if (!port) throw new Error('The clients run in a worker thread');
  const report = (progress: ClientProgress) => port.postMessage(progress);
  const listeners = await listenForDecisions(task.endpoint, task.insuredIds);
  report({ type: 'subscribed' });
  const cpuBefore = threadCpuMs();
  try {
    const done = () => report({ type: 'done' });
    // Started with the bookings, so the pages are timed under the load they make.
    const browsing = task.browse ? browseSlots(task.endpoint, task.browse) : undefined;
    const figures =
      task.perSecond === undefined
        ? await idleBookings(task.endpoint, listeners.decisions, task.bookings, done)
        : await offeredBookings(task.endpoint, listeners.decisions, task.bookings, task.perSecond, done);
    const browse = await browsing;
    const cpuAfter = threadCpuMs();
    report({
      type: 'figures',
      figures,
      ...(cpuBefore === undefined || cpuAfter === undefined ? {} : { cpuMs: cpuAfter - cpuBefore }),
      ...(browse === undefined ? {} : { browse }),
    });
  } finally {
    await listeners.close();
  }
}

run(workerData as ClientTask).catch((error: unknown) => {
  parentPort?.postMessage({
    type: 'failed',
    message: error instanceof Error ? (error.stack ?? error.message) : String(error),
  } satisfies ClientProgress);
});
