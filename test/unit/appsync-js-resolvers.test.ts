import { execFileSync } from 'node:child_process';
import { resolve } from 'node:path';
import { topology } from '../../core/config/topology';

const repositoryRoot = resolve(__dirname, '../..');

/** The APPSYNC_JS resolver files are linted with the runtime's restrictions, so a deploy never finds them first. */
describe('the APPSYNC_JS resolver files', () => {
  it.each([topology.lambdaResolverCode, ...topology.publishMutations.map((publish) => publish.code)])(
    'given %s, when eslint reads it, then the APPSYNC_JS rules apply (no in, try, throw, classes, async, ...)',
    (file) => {
      // eslint's own CLI: its config is an ES module, which jest's module loader cannot import.
      const printed = execFileSync(
        process.execPath,
        [resolve(repositoryRoot, 'node_modules/eslint/bin/eslint.js'), '--print-config', file],
        { cwd: repositoryRoot, encoding: 'utf8' },
      );
      const { rules } = JSON.parse(printed) as { rules: Record<string, unknown> };

      for (const rule of ['@aws-appsync/no-in-operator', '@aws-appsync/no-try', '@aws-appsync/no-async', '@aws-appsync/no-classes'])
        expect(rules[rule]).toEqual([2]);
    },
  );
});
