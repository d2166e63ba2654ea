import { spawnSync } from 'node:child_process';

/**
 * `npm run test:properties -- --runs 500 [--seed 42] [jest options]`: jest refuses options it does not know, so
 * the property knobs travel as FC_RUNS and FC_SEED (which the property files read) and the rest goes to jest.
 */
const args = process.argv.slice(2);
const env = { ...process.env };
const passed: string[] = [];
for (let index = 0; index < args.length; index++) {
  const arg = args[index]!;
  const [name, inline] = arg.split('=', 2) as [string, string | undefined];
  const knob = { '--runs': 'FC_RUNS', '--seed': 'FC_SEED', '--path': 'FC_PATH' }[name];
  if (knob) env[knob] = inline ?? args[++index];
  else passed.push(arg);
}
const jest = spawnSync(process.execPath, [require.resolve('jest/bin/jest'), 'test/properties', ...passed], { stdio: 'inherit', env });
process.exit(jest.status ?? 1);
