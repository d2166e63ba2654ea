import { mkdir, writeFile } from 'node:fs/promises';
import { cpus } from 'node:os';
import { join } from 'node:path';
import type { BenchResults } from './bench';

/** The targets issues 13 and 18 set; each figure is printed beside its own. */
export const targets = {
  heardIdleP50Ms: 300,
  heardIdleP99Ms: 600,
  heardLoadedP99Ms: 2000,
  mutationP99ToP50: 4,
  mysqlQueriesPerCountryBatch: 1,
  dynamoDbCallsPerCompletionRecord: 1,
  bundleKB: 500,
  loadToBareSdk: 1.3,
};

export interface Row {
  readonly figure: string;
  readonly value: string;
  readonly target: string;
  /** Undefined for a figure with no target of its own, or one not measured. */
  readonly met?: boolean;
}

/** Every figure beside its target: the latency people feel, the throughput, the storage work, then each function's cold start. */
export function reportRows(results: BenchResults): Row[] {
  return [
    ...heardDecisionRows(results.heardDecision),
    ...pipelineRows(results.pipeline, results.floor),
    ...coldStartRows(results.coldStarts),
  ];
}

/** The rows as one table on stdout. */
export function printTable(rows: readonly Row[], coldStarts: BenchResults['coldStarts']): void {
  const verdict = (row: Row) => (row.met === undefined ? '' : row.met ? 'met' : 'NOT met');
  const table: [string, string, string, string][] = [
    ['figure', 'value', 'target', 'met'],
    ...rows.map((row): [string, string, string, string] => [row.figure, row.value, row.target, verdict(row)]),
  ];
  const width = (column: number) => Math.max(...table.map((row) => row[column]!.length));
  const line = (cells: readonly string[]) => `| ${cells.map((cell, column) => cell.padEnd(width(column))).join(' | ')} |\n`;
  process.stdout.write(
    `\n${line(table[0]!)}|${table[0]!.map((_, column) => '-'.repeat(width(column) + 2)).join('|')}|\n${table.slice(1).map(line).join('')}`,
  );
  if (coldStarts)
    process.stdout.write(
      `Fresh loads: median of ${coldStarts.runs} fresh nodes each, ms from the process's start until the module is loaded.\n`,
    );
}

/** The same rows and the raw figures, in a JSON file of `outDir` named after the time; returns its path. */
export async function writeFigures(results: BenchResults, rows: readonly Row[], outDir: string): Promise<string> {
  const { startupMs, heardDecision, pipeline, floor, coldStarts } = results;
  // The sample appointments only served the cold-start phase's invocations.
  const { samples: _samples, ...pipelineFigures } = pipeline;
  const measuredAt = new Date().toISOString();
  const figures = {
    measuredAt,
    machine: { cpus: cpus().length, node: process.version },
    localStackStartupMs: startupMs,
    targets,
    rows,
    heardDecision,
    pipeline: pipelineFigures,
    floor,
    coldStarts,
  };
  await mkdir(outDir, { recursive: true });
  const file = join(outDir, `bench-${measuredAt.replace(/[:.]/g, '-')}.json`);
  await writeFile(file, `${JSON.stringify(figures, null, 2)}\n`);
  return file;
}

/** A figure as printed: `n/a` when it was not measured (or could not be, a division by zero). */
function fixed(value: number | undefined, digits = 1): string {
  return value === undefined || Number.isNaN(value) ? 'n/a' : value.toFixed(digits);
}

function heardDecisionRows({ idle, loaded }: BenchResults['heardDecision']): Row[] {
  const { cpuMsPerBooking: cpu, coresBusy } = loaded;
  return [
    {
      figure: `heard decision, idle (${idle.booked} one at a time): p50`,
      value: `${fixed(idle.p50Ms)} ms (mutation answered at ${fixed(idle.mutationP50Ms)} ms)`,
      target: `<= ${targets.heardIdleP50Ms} ms`,
      met: idle.p50Ms <= targets.heardIdleP50Ms,
    },
    {
      figure: 'heard decision, idle: p99',
      value: `${fixed(idle.p99Ms)} ms (max ${fixed(idle.maxMs)}; ${idle.heard} of ${idle.booked} heard)`,
      target: `<= ${targets.heardIdleP99Ms} ms`,
      met: idle.heard === idle.booked && idle.refused === 0 && idle.p99Ms <= targets.heardIdleP99Ms,
    },
    {
      figure: `heard decision, loaded (${fixed(loaded.offeredPerSecond)}/s offered, ${loaded.clients} clients): p50`,
      value: `${fixed(loaded.p50Ms)} ms (mutation p50 / p99 ${fixed(loaded.mutationP50Ms)} / ${fixed(loaded.mutationP99Ms)} ms)`,
      target: '',
    },
    {
      figure: 'heard decision, loaded: p99',
      value: `${fixed(loaded.p99Ms)} ms (max ${fixed(loaded.maxMs)})`,
      target: `<= ${targets.heardLoadedP99Ms} ms`,
      met: loaded.p99Ms <= targets.heardLoadedP99Ms,
    },
    {
      figure: 'loaded: CPU per booking (stack + clients, of it main thread, clients / MySQL)',
      value: `${fixed(cpu.process)}, ${fixed(cpu.mainThread)}, ${fixed(cpu.clientThread)} / ${fixed(cpu.mysql)} ms; cores busy ${fixed(coresBusy.process, 2)} / ${fixed(coresBusy.mysql, 2)} of ${cpus().length}; main thread busy ${fixed(100 * loaded.mainThreadBusy, 0)}%`,
      target: '',
    },
    {
      figure: 'heard decision, loaded: heard / booked',
      value: `${loaded.heard} / ${loaded.booked}${loaded.refused ? ` (${loaded.refused} refused)` : ''}`,
      target: 'every one',
      met: loaded.refused === 0 && loaded.heard === loaded.booked && loaded.booked === loaded.offered,
    },
  ];
}

function pipelineRows(pipeline: BenchResults['pipeline'], floor: BenchResults['floor']): Row[] {
  const p99ToP50 = pipeline.mutationP99Ms / pipeline.mutationP50Ms;
  const endToEndToFloor = pipeline.endToEndPerSecond / floor.medianPerSecond;
  return [
    { figure: 'throughput phase: appointments / clients', value: `${pipeline.appointments} / ${pipeline.clients}`, target: '' },
    {
      figure: 'mutation latency p50 / p95 / p99',
      value: `${fixed(pipeline.mutationP50Ms)} / ${fixed(pipeline.mutationP95Ms)} / ${fixed(pipeline.mutationP99Ms)} ms (p99 ${fixed(p99ToP50, 2)} x p50)`,
      target: `p99 < ${targets.mutationP99ToP50} x p50`,
      met: p99ToP50 < targets.mutationP99ToP50,
    },
    { figure: 'accepted per second', value: fixed(pipeline.acceptedPerSecond), target: '' },
    {
      figure: 'end to end (every decision heard)',
      value: `${fixed(pipeline.endToEndSeconds, 2)} s, ${fixed(pipeline.endToEndPerSecond)}/s (${fixed(endToEndToFloor, 2)} x floor median)`,
      target: '',
    },
    {
      figure: `floor (puts, MySQL per batch of ${floor.batchSize}, updates), ${floor.runs.length} runs`,
      value: `median ${fixed(floor.medianPerSecond)}/s, from ${fixed(floor.minPerSecond)} to ${fixed(floor.maxPerSecond)}/s`,
      target: '',
    },
    ...storageCallRows(pipeline),
  ];
}

/** Round trips per unit of work, the figures batching is for. */
function storageCallRows(pipeline: BenchResults['pipeline']): Row[] {
  const queriesPerBatch =
    pipeline.countryWorkerMysqlQueries === undefined ? undefined : pipeline.countryWorkerMysqlQueries / pipeline.countryWorkerBatches;
  const callsPerRecord = pipeline.completionWorkerDynamoDbCalls / pipeline.completionWorkerRecords;
  return [
    {
      figure: 'country worker batches / MySQL queries',
      value: `${pipeline.countryWorkerBatches} / ${pipeline.countryWorkerMysqlQueries ?? 'not measured (the general log needs SUPER)'}`,
      target: `${targets.mysqlQueriesPerCountryBatch} round trip per batch`,
      ...(queriesPerBatch === undefined ? {} : { met: queriesPerBatch === targets.mysqlQueriesPerCountryBatch }),
    },
    {
      figure: 'completion records / DynamoDB calls',
      value: `${pipeline.completionWorkerRecords} / ${pipeline.completionWorkerDynamoDbCalls} (in ${pipeline.completionWorkerBatches} batches)`,
      target: `${targets.dynamoDbCallsPerCompletionRecord} call per record`,
      met: callsPerRecord === targets.dynamoDbCallsPerCompletionRecord,
    },
  ];
}

function coldStartRows(coldStarts: BenchResults['coldStarts']): Row[] {
  return (coldStarts?.functions ?? []).flatMap((fn): Row[] => [
    {
      figure: `${fn.function}: bundle`,
      value: `${fixed(fn.bundleKB)} KB`,
      target: `<= ${targets.bundleKB} KB`,
      met: fn.bundleKB <= targets.bundleKB,
    },
    {
      figure: `${fn.function}: fresh load`,
      value: `${fixed(fn.loadMs)} ms, bare SDK ${fixed(fn.bareSdkLoadMs)} ms (${fn.sdkPackages.join(', ') || 'none'}): ${fixed(fn.loadToBareSdk, 2)} x${fn.coldStartMs === undefined ? '' : `; answers cold in ${fixed(fn.coldStartMs)} ms`}`,
      target: `<= ${targets.loadToBareSdk} x bare SDK`,
      met: fn.loadToBareSdk <= targets.loadToBareSdk,
    },
  ]);
}
