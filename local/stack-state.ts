import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { RECONCILER_USER_NAME } from '../core/mysql/database-users';
import type { LocalStack } from './stack';

/**
 * How the operator tools (`npm run redrive`, `npm run reconcile`, `npm run smoke`) find the stack
 * that `npm start` runs: it writes this file once ready and removes it on stop.
 * It lives in the git-ignored .local-data/ of the checkout, so each checkout's
 * tools talk to that checkout's stack; LOCAL_STACK_STATE_FILE points elsewhere.
 */
export interface LocalStackState {
  /** The `npm start` process, to tell a running stack from a file left by one that was killed. */
  readonly pid: number;
  readonly startedAt: string;
  readonly graphqlUrl: string;
  /** AppSync's realtime websocket (plain), for `npm run smoke`. */
  readonly realtimeUrl: string;
  readonly apiKey: string;
  readonly queueAdminUrl: string;
  readonly dynamodbEndpoint: string;
  readonly tableName: string;
  /** The slot read model's table, which `npm run reconcile` compares with the catalogs. Absent in a file an older `npm start` wrote. */
  readonly slotsTableName?: string;
  /** How `npm run reconcile` signs in: the read-only reconciler user. Absent when country rows are kept in memory (`--no-mysql`). */
  readonly reconcileMysqlUrl?: string;
  /** The local user pool's signing key, for `npm run token`. */
  readonly tokenSigningKeyFile: string;
  /** The local SES, whose `GET <emailUrl>/store` lists every email sent, for `npm run smoke`. Absent in a file an older `npm start` wrote. */
  readonly emailUrl?: string;
}

const REPOSITORY_ROOT = resolve(__dirname, '..');

export function stackStateFile(env: NodeJS.ProcessEnv = process.env): string {
  return env.LOCAL_STACK_STATE_FILE ? resolve(env.LOCAL_STACK_STATE_FILE) : resolve(REPOSITORY_ROOT, '.local-data', 'running-stack.json');
}

export function stackStateOf(stack: LocalStack, pid = process.pid): LocalStackState {
  // Never the admin URL: the tools need to read, and nothing more.
  const reconcileMysqlUrl = stack.mysqlUserUrls.get(RECONCILER_USER_NAME);
  return {
    pid,
    startedAt: new Date().toISOString(),
    graphqlUrl: stack.graphqlUrl,
    realtimeUrl: stack.realtimeUrl,
    apiKey: stack.apiKey,
    queueAdminUrl: stack.queueAdminUrl,
    dynamodbEndpoint: stack.dynamodbEndpoint,
    tableName: stack.tableName,
    slotsTableName: stack.slotsTableName,
    ...(reconcileMysqlUrl ? { reconcileMysqlUrl } : {}),
    tokenSigningKeyFile: stack.issuer.signingKeyFile,
    emailUrl: stack.emailUrl,
  };
}

export async function writeStackState(state: LocalStackState, file = stackStateFile()): Promise<void> {
  await mkdir(dirname(file), { recursive: true });
  // It holds the API key and the reconciler's MySQL URL: for this user only.
  await writeFile(file, `${JSON.stringify(state, null, 2)}\n`, { mode: 0o600 });
}

/** Removes the file if it still describes this process's stack (a later `npm start` may have replaced it). */
export async function removeStackState(file = stackStateFile(), pid = process.pid): Promise<void> {
  const state = await readFile(file, 'utf8').then(
    (text) => JSON.parse(text) as Partial<LocalStackState>,
    () => undefined,
  );
  if (state?.pid === pid) await rm(file, { force: true });
}

/** The stack `npm start` is running, or an error that tells the operator what to do. */
export async function readStackState(file = stackStateFile()): Promise<LocalStackState> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch {
    throw new NoRunningStackError(`No local stack is running (${file} is missing): start one with \`npm start\` in another terminal.`);
  }
  const state = JSON.parse(text) as LocalStackState;
  if (!isAlive(state.pid)) {
    throw new NoRunningStackError(
      `No local stack is running: ${file} was left by process ${state.pid}, which has exited. Start one with \`npm start\`.`,
    );
  }
  return state;
}

export class NoRunningStackError extends Error {
  override readonly name = 'NoRunningStackError';
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: it exists but belongs to someone else.
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}
