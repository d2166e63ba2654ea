import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { postKeptAlive } from '../../core/adapters/kept-alive-post';
import type { CountryISO } from '../../core/graphql/types.generated';
import { apiClient, type ApiEndpoint } from '../api-client';
import { percentile } from '../load';
import { connectRealtime, type RealtimeConnection, type RealtimeTarget } from '../realtime-client';
import type { BrowseFigures, BrowsePlan } from './browse-slots';

/**
 * The latency an insured person feels: from sending `createAppointment` to hearing its
 * decision (COMPLETED or REJECTED) on `onAppointmentStatusChanged`, as an app does it:
 * subscribed to its own insuredId over AppSync's realtime websocket before it books.
 */

const DECISIONS: ReadonlySet<string> = new Set(['COMPLETED', 'REJECTED']);
const SUBSCRIPTION = `subscription Decisions($insuredId: String!) {
  onAppointmentStatusChanged(insuredId: $insuredId) { appointmentId status }
}`;

export interface Booking {
  readonly insuredId: string;
  readonly scheduleId: number;
  readonly countryISO: CountryISO;
}

type StatusChangeMessage = { onAppointmentStatusChanged?: { appointmentId: string; status: string } | null } | undefined;

/**
 * The first decision heard for each appointment, with when (performance.now()). A decision may be
 * heard before the mutation's answer reaches the client: it is kept until someone asks for it.
 */
export class HeardDecisions {
  private readonly heardAt = new Map<string, number>();
  private readonly waiters = new Map<string, (at: number) => void>();

  readonly hear = (message: StatusChangeMessage): void => {
    const change = message?.onAppointmentStatusChanged;
    if (!change || !DECISIONS.has(change.status) || this.heardAt.has(change.appointmentId)) return;
    const at = performance.now();
    this.heardAt.set(change.appointmentId, at);
    this.waiters.get(change.appointmentId)?.(at);
    this.waiters.delete(change.appointmentId);
  };

  get count(): number {
    return this.heardAt.size;
  }

  /** When the decision on `appointmentId` was first heard; undefined if not within `timeoutMs`. */
  decisionOn(appointmentId: string, timeoutMs: number): Promise<number | undefined> {
    const at = this.heardAt.get(appointmentId);
    if (at !== undefined) return Promise.resolve(at);
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.waiters.delete(appointmentId);
        resolve(undefined);
      }, timeoutMs);
      this.waiters.set(appointmentId, (heard) => {
        clearTimeout(timer);
        resolve(heard);
      });
    });
  }
}

/** Clients listening for decisions: one websocket connection per client, each subscribed to its own insured person. */
export interface Listeners {
  readonly decisions: HeardDecisions;
  close(): Promise<void>;
}

/** Opens `insuredIds.length` connections (at most `parallel` opening at once); resolves once every subscription is acknowledged. */
export async function listenForDecisions(
  target: RealtimeTarget & ApiEndpoint,
  insuredIds: readonly string[],
  parallel = 16,
): Promise<Listeners> {
  const decisions = new HeardDecisions();
  const connections: RealtimeConnection[] = [];
  const close = () => Promise.all(connections.map((connection) => connection.close())).then(() => undefined);
  let next = 0;
  const openNext = async (): Promise<void> => {
    for (let index = next++; index < insuredIds.length; index = next++) {
      const connection = await connectRealtime(target, { 'x-api-key': target.apiKey });
      connections.push(connection);
      await connection.subscribe({ query: SUBSCRIPTION, variables: { insuredId: insuredIds[index] } }, decisions.hear);
    }
  };
  try {
    await Promise.all(Array.from({ length: Math.min(parallel, insuredIds.length) }, openNext));
  } catch (error) {
    await close();
    throw error;
  }
  return { decisions, close };
}

/** What one booking came to: refused, accepted and heard (with its latencies), or accepted and never heard. */
type Outcome = { readonly refused: string } | { readonly mutationMs: number; readonly heardMs?: number };

/** Books, then waits for the decision on what was booked. Times are from the moment the mutation is sent. */
async function bookAndHear(endpoint: ApiEndpoint, decisions: HeardDecisions, booking: Booking, timeoutMs: number): Promise<Outcome> {
  // Node's HTTP client rather than fetch: the clients share this machine's two cores with the stack they measure.
  const api = apiClient(endpoint, { timeoutMs, post: postKeptAlive });
  const sent = performance.now();
  const response = await api
    .createAppointment(booking)
    .catch((error: unknown) => ({ data: undefined, errors: [{ message: String(error) }] }));
  const answered = performance.now();
  const created = response.data?.createAppointment;
  if (!created) return { refused: JSON.stringify(response.errors) };
  const heard = await decisions.decisionOn(created.appointmentId, timeoutMs);
  return { mutationMs: answered - sent, ...(heard === undefined ? {} : { heardMs: heard - sent }) };
}

export interface HeardDecisionFigures {
  readonly booked: number;
  readonly heard: number;
  readonly refused: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
  readonly maxMs: number;
  readonly mutationP50Ms: number;
  readonly mutationP99Ms: number;
}

function figuresOf(outcomes: readonly Outcome[]): HeardDecisionFigures & { firstRefusal?: string } {
  const accepted = outcomes.filter((outcome): outcome is Exclude<Outcome, { refused: string }> => !('refused' in outcome));
  const heardMs = accepted.flatMap((outcome) => (outcome.heardMs === undefined ? [] : [outcome.heardMs]));
  const refusal = outcomes.find((outcome): outcome is { refused: string } => 'refused' in outcome);
  return {
    booked: accepted.length,
    heard: heardMs.length,
    refused: outcomes.length - accepted.length,
    p50Ms: percentile(heardMs, 50),
    p99Ms: percentile(heardMs, 99),
    maxMs: Math.max(...heardMs),
    mutationP50Ms: percentile(
      accepted.map((outcome) => outcome.mutationMs),
      50,
    ),
    mutationP99Ms: percentile(
      accepted.map((outcome) => outcome.mutationMs),
      99,
    ),
    ...(refusal ? { firstRefusal: refusal.refused } : {}),
  };
}

/** One booking at a time: the next is sent once the previous decision was heard (or given up on). */
export async function idleBookings(
  endpoint: ApiEndpoint,
  decisions: HeardDecisions,
  bookings: readonly Booking[],
  onDone: () => void,
  timeoutMs = 30_000,
) {
  const outcomes: Outcome[] = [];
  for (const booking of bookings) {
    outcomes.push(await bookAndHear(endpoint, decisions, booking, timeoutMs));
    onDone();
  }
  return figuresOf(outcomes);
}

/**
 * Bookings offered at a steady rate whatever the answers (an open loop: a slow answer does not slow
 * the offer down, as people do not wait for each other), then until each decision is heard.
 */
export async function offeredBookings(
  endpoint: ApiEndpoint,
  decisions: HeardDecisions,
  bookings: readonly Booking[],
  perSecond: number,
  onDone: () => void,
  timeoutMs = 60_000,
) {
  const started = performance.now();
  const sentAt: number[] = [];
  const pending: Promise<Outcome>[] = [];
  for (let index = 0; index < bookings.length; index++) {
    const due = started + (index * 1000) / perSecond;
    const wait = due - performance.now();
    if (wait > 1) await new Promise((resolve) => setTimeout(resolve, wait));
    sentAt.push(performance.now());
    pending.push(bookAndHear(endpoint, decisions, bookings[index]!, timeoutMs).finally(onDone));
  }
  const outcomes = await Promise.all(pending);
  const offeredSeconds = ((sentAt.at(-1) ?? started) - started) / 1000;
  return {
    ...figuresOf(outcomes),
    offered: bookings.length,
    // The rate the bookings actually went out at (the timer may lag under load): n - 1 gaps over the sending time.
    offeredPerSecond: offeredSeconds > 0 ? (bookings.length - 1) / offeredSeconds : NaN,
  };
}

export type IdleFigures = Awaited<ReturnType<typeof idleBookings>>;
export type OfferedFigures = Awaited<ReturnType<typeof offeredBookings>>;

/**
 * What the client thread is asked to do: subscribe every insured person, then book one at a time, or at `perSecond`;
 * meanwhile, if `browse` is given, browse availableSlots as that plan says (other people, looking for a slot).
 */
export interface ClientTask {
  readonly endpoint: RealtimeTarget & ApiEndpoint;
  readonly insuredIds: readonly string[];
  readonly bookings: readonly Booking[];
  readonly perSecond?: number;
  readonly browse?: BrowsePlan;
}

export type ClientProgress =
  | { readonly type: 'subscribed' }
  | { readonly type: 'done' }
  /** `cpuMs`: what the clients' thread spent from the first booking to the last decision (Linux only). */
  | { readonly type: 'figures'; readonly figures: IdleFigures | OfferedFigures; readonly cpuMs?: number; readonly browse?: BrowseFigures }
  | { readonly type: 'failed'; readonly message: string };

/** Runs a task in the client thread (client-thread.ts); `onProgress` hears 'subscribed' once, then 'done' per booking. */
export function inClientThread<Figures extends IdleFigures>(
  task: ClientTask,
  onProgress: (type: 'subscribed' | 'done') => void,
): Promise<Figures & { readonly clientThreadCpuMs?: number; readonly browse?: BrowseFigures }> {
  const { graphqlUrl, realtimeUrl, apiKey } = task.endpoint;
  // The thread starts from the TypeScript source, with tsx's require hook as the bench itself runs.
  const entry = `require(${JSON.stringify(require.resolve('tsx/cjs'))}); require(${JSON.stringify(join(__dirname, 'client-thread.ts'))});`;
  const worker = new Worker(entry, { eval: true, workerData: { ...task, endpoint: { graphqlUrl, realtimeUrl, apiKey } } });
  return new Promise<Figures & { readonly clientThreadCpuMs?: number; readonly browse?: BrowseFigures }>((resolve, reject) => {
    worker.on('message', (progress: ClientProgress) => {
      if (progress.type === 'figures')
        resolve({
          ...(progress.figures as Figures),
          ...(progress.cpuMs === undefined ? {} : { clientThreadCpuMs: progress.cpuMs }),
          ...(progress.browse === undefined ? {} : { browse: progress.browse }),
        });
      else if (progress.type === 'failed') reject(new Error(`The benchmark's clients failed: ${progress.message}`));
      else onProgress(progress.type);
    });
    worker.on('error', reject);
    worker.on('exit', (code) => reject(new Error(`The benchmark's client thread ended (exit code ${code}) before reporting its figures`)));
  }).finally(() => void worker.terminate());
}
