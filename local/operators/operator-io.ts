import { NoRunningStackError, readStackState, type LocalStackState } from '../stack-state';

/** What an operator tool reads and writes: the tests drive the tools' main functions with their own. */
export interface OperatorIo {
  /** The running stack: by default the one `npm start` described in its state file. */
  readonly stack: () => Promise<LocalStackState>;
  readonly stdout: (text: string) => void;
  readonly stderr: (text: string) => void;
}

export const processIo: OperatorIo = {
  stack: () => readStackState(),
  stdout: (text) => process.stdout.write(text),
  stderr: (text) => process.stderr.write(text),
};

/** Exit codes the tools share: 0 done and nothing found, 1 something found or failed, 2 misused. */
export const EXIT = { ok: 0, found: 1, failed: 1, usage: 2 } as const;

/** Runs a tool's main as a command: its exit code, or 1 with the error's message (no stack trace for an operator). */
export function runAsCommand(main: (argv: readonly string[], io: OperatorIo) => Promise<number>): void {
  // The SDK's notice that it will leave Node 20 in 2027 would open every report; the README says which Node to use.
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
  main(process.argv.slice(2), processIo).then(
    (code) => {
      process.exitCode = code;
    },
    (error: unknown) => {
      const known = error instanceof NoRunningStackError || !(error instanceof Error) || !process.env.DEBUG;
      process.stderr.write(`${error instanceof Error ? (known ? error.message : (error.stack ?? error.message)) : String(error)}\n`);
      process.exitCode = EXIT.failed;
    },
  );
}

/** The appointmentId a message body carries: an appointment request's, or an EventBridge event's detail's. */
export function appointmentIdOf(body: string): string | undefined {
  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch {
    return undefined;
  }
  if (typeof parsed !== 'object' || parsed === null) return undefined;
  const record = parsed as { appointmentId?: unknown; detail?: { appointmentId?: unknown } | null };
  const id = record.appointmentId ?? record.detail?.appointmentId;
  return typeof id === 'string' ? id : undefined;
}
