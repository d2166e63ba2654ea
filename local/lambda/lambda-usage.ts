import { lambdaBilledMs } from '../bench/cost';

/** What Lambda bills one function for, counted since the stack started (issue 27). */
export interface FunctionUsage {
  /** Configured memory (AWS_LAMBDA_FUNCTION_MEMORY_SIZE, from topology.functionMemoryMB). */
  readonly memoryMB: number;
  readonly invocations: number;
  /** Sum of each invocation's duration as Lambda bills it: rounded up to the ms, at least 1 ms. */
  readonly billedMs: number;
  /** Execution environments started (INIT), and the sum of their init durations as measured, unrounded. */
  readonly freshStarts: number;
  readonly initMs: number;
  /**
   * CloudWatch Logs bytes: the function's own lines (Powertools' JSON and EMF lines) and the START, END and REPORT
   * lines Lambda writes for each invocation (the text format infra/ deploys; the lines as
   * https://docs.aws.amazon.com/lambda/latest/dg/monitoring-cloudwatchlogs.html shows them).
   */
  readonly logBytes: number;
  /**
   * GetSecretValue calls it would make in AWS: a function given MYSQL_URL here reads its database secret there, once
   * per execution environment (core/adapters/mysql-function-pool.ts). The local stack has no Secrets Manager.
   */
  readonly secretReads: number;
  /** HTTP requests its invocations made: its SDK clients' calls, each served by a local endpoint (not billed as such). */
  readonly requests: number;
}

interface Counts {
  invocations: number;
  billedMs: number;
  freshStarts: number;
  initMs: number;
  logBytes: number;
  secretReads: number;
  requests: number;
}

/** Lambda's meter for the local functions: each sandbox reports what it ran, `snapshot` reads the totals. */
export class LambdaUsage {
  private readonly functions = new Map<string, { readonly memoryMB: number; readonly readsSecret: boolean; readonly counts: Counts }>();

  /** A function's meter; `readsSecret`: it signs in to MySQL with a secret in AWS. */
  meter(name: string, memoryMB: number, readsSecret: boolean): FunctionMeter {
    const counts: Counts = { invocations: 0, billedMs: 0, freshStarts: 0, initMs: 0, logBytes: 0, secretReads: 0, requests: 0 };
    this.functions.set(name, { memoryMB, readsSecret, counts });
    return {
      started: (initMs) => {
        counts.freshStarts += 1;
        counts.initMs += initMs;
        if (readsSecret) counts.secretReads += 1;
      },
      invoked: (requestId, durationMs, initMs, requests = 0) => {
        counts.invocations += 1;
        counts.requests += requests;
        counts.billedMs += lambdaBilledMs(durationMs);
        counts.logBytes += platformLogBytes(requestId, durationMs, memoryMB, initMs);
      },
      logged: (line) => {
        // A log event is the line without its newline.
        counts.logBytes += Buffer.byteLength(line, 'utf8');
      },
    };
  }

  /** Plain totals by function name, a copy: later calls do not change it. */
  snapshot(): Record<string, FunctionUsage> {
    return Object.fromEntries([...this.functions].map(([name, { memoryMB, counts }]) => [name, { memoryMB, ...counts }]));
  }
}

export interface FunctionMeter {
  /** An execution environment finished its INIT in `initMs`. */
  started(initMs: number): void;
  /** An invocation ran its handler for `durationMs`, making `requests` HTTP requests; `initMs` when it was the environment's first. */
  invoked(requestId: string, durationMs: number, initMs?: number, requests?: number): void;
  /** The function wrote one line to stdout or stderr. */
  logged(line: string): void;
}

/** The bytes of the START, END and REPORT lines Lambda writes for one invocation (text log format). */
export function platformLogBytes(requestId: string, durationMs: number, memoryMB: number, initMs?: number): number {
  // Max Memory Used is not measured per sandbox: the configured memory has as many digits as most readings.
  const report =
    `REPORT RequestId: ${requestId}\tDuration: ${durationMs.toFixed(2)} ms\tBilled Duration: ${lambdaBilledMs(durationMs)} ms\t` +
    `Memory Size: ${memoryMB} MB\tMax Memory Used: ${memoryMB} MB\t${initMs === undefined ? '' : `Init Duration: ${initMs.toFixed(2)} ms\t`}`;
  const lines = [`START RequestId: ${requestId} Version: $LATEST`, `END RequestId: ${requestId}`, report];
  return lines.reduce((bytes, line) => bytes + Buffer.byteLength(line, 'utf8'), 0);
}
