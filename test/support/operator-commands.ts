import { spawn } from 'node:child_process';
import { resolve } from 'node:path';

const REPOSITORY_ROOT = resolve(__dirname, '..', '..');

export interface CommandRun {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** `npm run <script> -- …` as an operator types it, in another process that finds the stack through the state file. */
export function npmRun(script: string, args: readonly string[], stateFile: string): Promise<CommandRun> {
  return new Promise((done, fail) => {
    const child = spawn('npm', ['run', '--silent', script, ...(args.length ? ['--', ...args] : [])], {
      cwd: REPOSITORY_ROOT,
      env: { ...process.env, LOCAL_STACK_STATE_FILE: stateFile },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.once('error', fail);
    child.once('close', (code) => done({ code, stdout, stderr }));
  });
}
