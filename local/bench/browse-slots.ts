import { postKeptAlive } from '../../core/adapters/kept-alive-post';
import type { CountryISO } from '../../core/graphql/types.generated';
import { apiClient, type ApiEndpoint } from '../api-client';
import { percentile } from '../load';

/**
 * What a booking screen does before it books: pages of `availableSlots`, timed one page at a time. A session is
 * one person browsing a window (a first page, then the next ones by nextToken), with or without a specialty.
 */

export interface BrowseSession {
  readonly countryISO: CountryISO;
  readonly from: string;
  readonly to: string;
  readonly specialtyId?: string;
}

export interface BrowsePlan {
  readonly sessions: readonly BrowseSession[];
  /** Pages a session reads at most: the first, then by nextToken while there is one. */
  readonly pagesPerSession: number;
  /** Slots per page. */
  readonly limit: number;
  /** Sessions started each second whatever the answers (an open loop); undefined: one session after another. */
  readonly perSecond?: number;
}

export interface PageLatencies {
  readonly pages: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
  readonly maxMs: number;
}

export interface BrowseFigures {
  readonly sessions: number;
  /** Pages answered with data. */
  readonly pages: number;
  readonly failed: number;
  readonly firstFailure?: string;
  /** Slots per page answered, on average (a window near the catalog's end can have fewer than `limit`). */
  readonly slotsPerPage: number;
  readonly all: PageLatencies;
  readonly noFilter: PageLatencies;
  readonly bySpecialty: PageLatencies;
}

interface PageOutcome {
  readonly filtered: boolean;
  readonly ms?: number;
  readonly slots?: number;
  readonly failure?: string;
}

async function browse(endpoint: ApiEndpoint, session: BrowseSession, plan: BrowsePlan): Promise<PageOutcome[]> {
  // Node's HTTP client over kept-alive connections, as the booking clients: the machine's two cores are shared with the stack.
  const api = apiClient(endpoint, { timeoutMs: 60_000, post: postKeptAlive });
  const filtered = session.specialtyId !== undefined;
  const outcomes: PageOutcome[] = [];
  let nextToken: string | undefined;
  for (let page = 0; page < plan.pagesPerSession; page++) {
    const sent = performance.now();
    const answer = await api
      .availableSlots({ ...session, limit: plan.limit, ...(nextToken && { nextToken }) })
      .catch((error: unknown) => ({ data: undefined, errors: [{ message: String(error) }] }));
    const ms = performance.now() - sent;
    const connection = answer.data?.availableSlots;
    if (!connection) return [...outcomes, { filtered, failure: JSON.stringify(answer.errors) }];
    outcomes.push({ filtered, ms, slots: connection.items.length });
    nextToken = connection.nextToken ?? undefined;
    if (!nextToken) break;
  }
  return outcomes;
}

function latencies(outcomes: readonly PageOutcome[]): PageLatencies {
  const ms = outcomes.flatMap((outcome) => (outcome.ms === undefined ? [] : [outcome.ms]));
  return { pages: ms.length, p50Ms: percentile(ms, 50), p99Ms: percentile(ms, 99), maxMs: ms.length ? Math.max(...ms) : NaN };
}

/** Runs the plan's sessions, in turn or at `perSecond`, and times every page. */
export async function browseSlots(endpoint: ApiEndpoint, plan: BrowsePlan): Promise<BrowseFigures> {
  const started = performance.now();
  const running: Promise<PageOutcome[]>[] = [];
  for (let index = 0; index < plan.sessions.length; index++) {
    const session = plan.sessions[index]!;
    if (plan.perSecond === undefined) {
      running.push(Promise.resolve(await browse(endpoint, session, plan)));
      continue;
    }
    const wait = started + (index * 1000) / plan.perSecond - performance.now();
    if (wait > 1) await new Promise((resolve) => setTimeout(resolve, wait));
    running.push(browse(endpoint, session, plan));
  }
  const outcomes = (await Promise.all(running)).flat();
  const answered = outcomes.filter((outcome) => outcome.ms !== undefined);
  const failure = outcomes.find((outcome) => outcome.failure !== undefined)?.failure;
  return {
    sessions: plan.sessions.length,
    pages: answered.length,
    failed: outcomes.length - answered.length,
    ...(failure === undefined ? {} : { firstFailure: failure }),
    slotsPerPage: answered.reduce((sum, outcome) => sum + (outcome.slots ?? 0), 0) / answered.length,
    all: latencies(answered),
    noFilter: latencies(answered.filter((outcome) => !outcome.filtered)),
    bySpecialty: latencies(answered.filter((outcome) => outcome.filtered)),
  };
}

/**
 * `count` sessions over 7-day windows starting 0 to 22 days from `now` (inside a 30-day catalog), countries in turn,
 * every other one filtered by a specialty of its country, in turn: the same plan on every run.
 */
export function browseSessions(count: number, now: Date, specialties: ReadonlyMap<CountryISO, readonly string[]>): BrowseSession[] {
  const day = 86_400_000;
  return Array.from({ length: count }, (_, index) => {
    const countryISO: CountryISO = index % 2 ? 'CL' : 'PE';
    const from = now.getTime() + ((index * 7) % 23) * day;
    const own = specialties.get(countryISO) ?? [];
    const specialtyId = Math.floor(index / 2) % 2 === 1 && own.length > 0 ? own[Math.floor(index / 4) % own.length] : undefined;
    return {
      countryISO,
      from: new Date(from).toISOString(),
      to: new Date(from + 7 * day).toISOString(),
      ...(specialtyId === undefined ? {} : { specialtyId }),
    };
  });
}
