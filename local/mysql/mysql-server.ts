import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { freePort } from '../network';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { createConnection } from 'mysql2/promise';

/** A MySQL the local stack or the tests can use; `stop` removes anything it started. */
export interface MysqlServer {
  readonly url: string;
  /** Where it came from, for the banner: `MYSQL_URL` or the throwaway server's data dir. */
  readonly description: string;
  stop(): Promise<void>;
}

export const MYSQL_INSTALL_HINT =
  'install MariaDB (Debian/Ubuntu: `sudo apt-get install mariadb-server`, macOS: `brew install mariadb`) or set MYSQL_URL=mysql://user:password@host:port';

// Debian installs the server in sbin, which is not on every user's PATH.
const SEARCH_PATH = [...(process.env.PATH ?? '').split(delimiter), '/usr/sbin', '/usr/local/sbin', '/usr/local/opt/mariadb/bin'];

function findBinary(...names: string[]): string | undefined {
  for (const dir of SEARCH_PATH) {
    for (const name of names) {
      const candidate = join(dir, name);
      if (dir && existsSync(candidate)) return candidate;
    }
  }
  return undefined;
}

/** Whether a throwaway (or restartable) server can be started here: MariaDB's or MySQL's binaries are installed. */
export function canStartThrowawayMysql(): boolean {
  return findBinary('mariadbd', 'mysqld') !== undefined && findBinary('mariadb-install-db', 'mysql_install_db') !== undefined;
}

/**
 * MYSQL_URL when set; otherwise a throwaway MariaDB (or MySQL) server started from
 * the binaries on this machine, in a temp data dir on a free port; otherwise undefined.
 */
export async function provideMysql(
  env: NodeJS.ProcessEnv = process.env,
  options: ThrowawayMysqlOptions = {},
): Promise<MysqlServer | undefined> {
  const url = env.MYSQL_URL;
  if (url) return { url, description: 'MYSQL_URL', stop: () => Promise.resolve() };
  return startThrowawayMysql(options);
}

export interface ThrowawayMysqlOptions {
  /** Keep the databases in this directory between runs (`npm start -- --persist`); default a temp dir removed on stop. */
  readonly dataDir?: string;
}

export async function startThrowawayMysql(options: ThrowawayMysqlOptions = {}): Promise<MysqlServer | undefined> {
  const server = await startRestartableMysql(options);
  return server && { url: server.url, description: server.description, stop: () => server.stop() };
}

/** A throwaway server that can be taken down and brought back on the same port and data dir (the reliability suites' MySQL outage). */
export interface RestartableMysqlServer extends MysqlServer {
  /** Kills the server as a crash or a lost host would: open connections drop, new ones are refused. */
  halt(): Promise<void>;
  /** Starts it again on the same port and data dir; resolves once it accepts connections. */
  restart(): Promise<void>;
}

export async function startRestartableMysql(options: ThrowawayMysqlOptions = {}): Promise<RestartableMysqlServer | undefined> {
  const server = findBinary('mariadbd', 'mysqld');
  const installDb = findBinary('mariadb-install-db', 'mysql_install_db');
  if (!server || !installDb) return undefined;

  const dir = await mkdtemp(join(tmpdir(), 'appointments-mysql-'));
  const dataDir = options.dataDir ?? join(dir, 'data');
  const asRoot = process.getuid?.() === 0;
  const userArgs = asRoot ? ['--user=root'] : [];
  // A kept data dir is set up once; later runs start on what it holds.
  const install =
    options.dataDir && existsSync(join(dataDir, 'mysql'))
      ? { status: 0, stderr: '', stdout: '' }
      : spawnSync(
          installDb,
          ['--no-defaults', `--datadir=${dataDir}`, '--auth-root-authentication-method=normal', '--skip-test-db', ...userArgs],
          { encoding: 'utf8' },
        );
  if (install.status !== 0) {
    await rm(dir, { recursive: true, force: true });
    throw new Error(`${installDb} failed: ${install.stderr || install.stdout}`);
  }

  const port = await freePort();
  const launch = () => launchMysqld(server, { dataDir, socket: join(dir, 'mysql.sock'), port, userArgs });
  let mysqld = launch();

  const stop = async () => {
    // The data dir is deleted next, so a clean InnoDB shutdown (a second or more) buys nothing.
    await mysqld.kill();
    await rm(dir, { recursive: true, force: true });
  };

  // The local user is root with no password over TCP, as mariadb-install-db set it up.
  const url = `mysql://root@127.0.0.1:${port}`;
  try {
    await mysqld.accepting(url);
  } catch (error) {
    await stop();
    throw error;
  }
  const kind = options.dataDir ? 'kept' : 'throwaway';
  return {
    url,
    description: `${kind} ${server.split('/').pop()} on 127.0.0.1:${port} (data in ${dataDir})`,
    stop,
    halt: () => mysqld.kill(),
    restart: async () => {
      await mysqld.kill();
      mysqld = launch();
      await mysqld.accepting(url);
    },
  };
}

interface Mysqld {
  /** Resolves once a connection to `url` succeeds; rejects if the server exits or takes over 20 s. */
  accepting(url: string): Promise<void>;
  /** SIGKILL, and resolves once it has exited (at once if it has already). */
  kill(): Promise<void>;
}

function launchMysqld(binary: string, options: { dataDir: string; socket: string; port: number; userArgs: readonly string[] }): Mysqld {
  const child: ChildProcess = spawn(
    binary,
    [
      '--no-defaults',
      `--datadir=${options.dataDir}`,
      `--socket=${options.socket}`,
      `--port=${options.port}`,
      '--bind-address=127.0.0.1',
      '--skip-log-bin',
      '--skip-name-resolve',
      '--innodb-flush-log-at-trx-commit=2',
      ...options.userArgs,
    ],
    { stdio: ['ignore', 'ignore', 'pipe'] },
  );
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => (stderr = (stderr + chunk.toString()).slice(-4000)));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  return {
    async accepting(url) {
      const deadline = Date.now() + 20_000;
      for (;;) {
        if (child.exitCode !== null || child.signalCode !== null) throw new Error(`${binary} exited during start: ${stderr}`);
        try {
          const connection = await createConnection({ uri: url });
          await connection.end();
          return;
        } catch {
          if (Date.now() > deadline) throw new Error(`${binary} did not accept connections within 20s: ${stderr}`);
          await new Promise((resolve) => setTimeout(resolve, 100));
        }
      }
    },
    async kill() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      await exited;
    },
  };
}
