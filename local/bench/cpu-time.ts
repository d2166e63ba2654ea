import { readdirSync, readFileSync } from 'node:fs';

/** Linux reports process times in clock ticks; 100 a second on every common kernel configuration. */
const MS_PER_TICK = 10;

export interface CpuTime {
  /** This process, every thread: the local stack (main thread and function sandboxes) and the bench's clients. */
  readonly processMs: number;
  /** This process's main thread alone (Linux /proc; its thread id is the pid): the API, DynamoDB, SNS / EventBridge, the pushes. */
  readonly mainThreadMs?: number;
  /** The MySQL server on this machine, when one listens on the port asked for and /proc shows it; else undefined. */
  readonly mysqlMs?: number;
}

/** The calling thread's CPU time so far, in ms (Linux /proc/thread-self); undefined elsewhere. */
export function threadCpuMs(): number | undefined {
  const ticks = ticksOf('/proc/thread-self/stat');
  return ticks === undefined ? undefined : ticks * MS_PER_TICK;
}

/** CPU time used so far; the difference of two snapshots is what a phase cost. */
export function cpuTime(mysqlPid: number | undefined): CpuTime {
  const { user, system } = process.cpuUsage();
  const mysqlTicks = mysqlPid === undefined ? undefined : ticksOf(`/proc/${mysqlPid}/stat`);
  const mainThreadTicks = ticksOf(`/proc/self/task/${process.pid}/stat`);
  return {
    processMs: (user + system) / 1000,
    ...(mainThreadTicks === undefined ? {} : { mainThreadMs: mainThreadTicks * MS_PER_TICK }),
    ...(mysqlTicks === undefined ? {} : { mysqlMs: mysqlTicks * MS_PER_TICK }),
  };
}

export function cpuSpent(before: CpuTime, after: CpuTime): CpuTime {
  const spent = (field: 'mainThreadMs' | 'mysqlMs') =>
    before[field] === undefined || after[field] === undefined ? {} : { [field]: after[field] - before[field] };
  return { processMs: after.processMs - before.processMs, ...spent('mainThreadMs'), ...spent('mysqlMs') };
}

/** The pid of the mysqld / mariadbd started with `--port=<port>`, read from /proc (Linux); undefined elsewhere or for a remote server. */
export function localMysqlPid(mysqlUrl: string): number | undefined {
  const port = new URL(mysqlUrl).port;
  let pids: string[];
  try {
    pids = readdirSync('/proc').filter((entry) => /^\d+$/.test(entry));
  } catch {
    return undefined;
  }
  for (const pid of pids) {
    try {
      const args = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0');
      if (/(mariadbd|mysqld)$/.test(args[0] ?? '') && args.includes(`--port=${port}`)) return Number(pid);
    } catch {
      // The process ended while we looked.
    }
  }
  return undefined;
}

/** utime + stime of a process or thread, fields 14 and 15 of its stat file (after the parenthesised name, which may hold spaces). */
function ticksOf(statFile: string): number | undefined {
  try {
    const stat = readFileSync(statFile, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return Number(fields[11]) + Number(fields[12]);
  } catch {
    return undefined;
  }
}
