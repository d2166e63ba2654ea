import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { documentationFiles, fencedBlocks, prose, readDoc, REPOSITORY_ROOT } from '../support/markdown';
import { firstBookingMutation, statusChangesSubscription } from '../support/readme-blocks';

const packageScripts = Object.keys(
  (JSON.parse(readFileSync(join(REPOSITORY_ROOT, 'package.json'), 'utf8')) as { scripts: object }).scripts,
);
const readme = readDoc('README.md');

describe('the README a newcomer reads', () => {
  it('given the README, then its two commands are `npm ci && npm start` and `npm test`, and .ci/run still runs `npm test`', () => {
    const commands = fencedBlocks(readme)
      .filter((block) => block.language === 'bash')
      .flatMap((block) => block.text.split('\n').map((line) => line.replace(/#.*$/, '').trim()));

    expect(commands).toEqual(expect.arrayContaining(['npm ci && npm start', 'npm test']));
    expect(readFileSync(join(REPOSITORY_ROOT, '.ci/run'), 'utf8')).toMatch(/^npm test$/m);
  });

  it("given its code blocks, then each is one a test runs: the two commands, npm run smoke, and the explorer test's subscription and booking", () => {
    const runByTests = [
      { language: 'graphql', text: statusChangesSubscription('00012') },
      { language: 'graphql', text: firstBookingMutation('SCHEDULE_ID') },
      { language: 'bash', text: 'npm run smoke' },
    ];
    const blocks = fencedBlocks(readme).filter((block) => block.language !== 'mermaid');
    const [commands, ...rest] = blocks;

    expect(commands?.text).toMatch(/^npm ci && npm start +#.*\nnpm test +#.*$/);
    expect(rest).toEqual(runByTests);
  });

  it('given about 200 lines at most, then the README stays a five-minute read', () => {
    expect(readme.split('\n').length).toBeLessThanOrEqual(200);
  });
});

describe('commands and paths in README.md and docs/', () => {
  it('given every page, when it names `npm run <script>`, then package.json has that script', () => {
    const unknown = documentationFiles().flatMap((file) =>
      [...readDoc(file).matchAll(/npm run (?:-s )?([a-z][\w:-]*)/g)]
        .map((match) => match[1] ?? '')
        .filter((script) => !packageScripts.includes(script))
        .map((script) => `${file}: npm run ${script}`),
    );

    expect(unknown).toEqual([]);
  });

  it('given every page, when it names a file of this repository in code (`core/…`, `test/…`), then that file or folder exists', () => {
    const folders = ['core', 'resolvers', 'workers', 'infra', 'local', 'test', 'docs', '.ci', '.github', 'types'];
    const pathPattern = new RegExp(`^(?:${folders.map((folder) => folder.replace('.', '\\.')).join('|')})/[\\w./-]*$`);
    const missing = documentationFiles().flatMap((file) =>
      [...prose(readDoc(file)).matchAll(/`([^`\n]+)`/g)]
        .map((match) => match[1] ?? '')
        .filter((text) => pathPattern.test(text))
        .filter((path) => !existsSync(join(REPOSITORY_ROOT, path)))
        .map((path) => `${file}: ${path}`),
    );

    expect(missing).toEqual([]);
  });
});
