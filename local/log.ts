/**
 * The local stack's own log lines: one JSON object per line, shaped like the
 * Powertools lines the handlers print (level, message, timestamp, service), so
 * one `grep <appointmentId>` or `jq` filter follows an appointment through both.
 */
export type LogLevel = 'DEBUG' | 'INFO' | 'WARN' | 'ERROR';

/** Where every line of the local stack goes: its own lines and the functions' output. */
export type LogSink = (line: string) => void;

export const stdoutSink: LogSink = (line) => {
  process.stdout.write(`${line}\n`);
};

export const silentSink: LogSink = () => undefined;

export interface LocalLogger {
  debug(message: string, keys?: Record<string, unknown>): void;
  info(message: string, keys?: Record<string, unknown>): void;
  warn(message: string, keys?: Record<string, unknown>): void;
  error(message: string, keys?: Record<string, unknown>): void;
}

export function localLogger(service: string, sink: LogSink): LocalLogger {
  const write = (level: LogLevel, message: string, keys: Record<string, unknown> = {}) => {
    // A quiet stack (tests, the bench) builds no line only to drop it: the router logs every step of every message.
    if (sink === silentSink) return;
    sink(JSON.stringify({ level, message, timestamp: new Date().toISOString(), service, ...keys }, errorReplacer));
  };
  return {
    debug: (message, keys) => write('DEBUG', message, keys),
    info: (message, keys) => write('INFO', message, keys),
    warn: (message, keys) => write('WARN', message, keys),
    error: (message, keys) => write('ERROR', message, keys),
  };
}

// Errors serialise as {} by default; keep what an operator needs.
function errorReplacer(_key: string, value: unknown): unknown {
  if (value instanceof Error) return { name: value.name, message: value.message, stack: value.stack };
  return value;
}
