import { existsSync, statSync } from 'node:fs';
import { dirname, join, normalize } from 'node:path';
import { anchorsOf, documentationFiles, githubSlug, linksOf, readDoc, REPOSITORY_ROOT } from '../support/markdown';

/** A link is broken when its file is missing or its #anchor names no heading there, as GitHub renders it. */
function brokenLinks(file: string): string[] {
  const markdown = readDoc(file);
  const broken: string[] = [];
  for (const { target, line } of linksOf(markdown)) {
    if (/^[a-z][a-z0-9+.-]*:/i.test(target)) continue; // https:, mailto:: not ours to check
    const [path = '', anchor] = target.split('#', 2);
    const targetFile = path === '' ? file : normalize(join(dirname(file), decodeURIComponent(path)));
    const where = `${file}:${line} → ${target}`;
    if (targetFile.startsWith('..') || !existsSync(join(REPOSITORY_ROOT, targetFile))) {
      broken.push(`${where}: no such file`);
      continue;
    }
    if (anchor === undefined) continue;
    if (!targetFile.endsWith('.md') || statSync(join(REPOSITORY_ROOT, targetFile)).isDirectory()) {
      broken.push(`${where}: an anchor into a file that has no headings`);
      continue;
    }
    if (!anchorsOf(readDoc(targetFile)).has(anchor)) broken.push(`${where}: no heading #${anchor} in ${targetFile}`);
  }
  return broken;
}

describe('links in README.md and docs/', () => {
  it('given every page, when its relative links are followed, then each file exists and each #anchor names a heading there', () => {
    const files = documentationFiles();
    expect(files).toEqual(expect.arrayContaining(['README.md', 'docs/api.md', 'docs/architecture.md']));

    expect(files.flatMap(brokenLinks)).toEqual([]);
  });

  it('given headings as GitHub renders them, when slugged, then punctuation goes, spaces become -, and - and _ stay', () => {
    expect(githubSlug('Check a deploy: `npm run smoke`')).toBe('check-a-deploy-npm-run-smoke');
    expect(githubSlug("Answers as values, not Powertools' event handler")).toBe('answers-as-values-not-powertools-event-handler');
    expect(githubSlug('Errors reach the client through an APPSYNC_JS resolver')).toBe(
      'errors-reach-the-client-through-an-appsync_js-resolver',
    );
    expect(githubSlug('Local and AWS, point by point')).toBe('local-and-aws-point-by-point');
    expect(githubSlug('The **first** [booking](x.md) — step 1.2')).toBe('the-first-booking--step-12');
    expect(githubSlug('Cita confirmada: Cardiología')).toBe('cita-confirmada-cardiología');
  });

  it('given repeated headings, then the second and third get -1 and -2, and headings in code blocks are none', () => {
    const anchors = anchorsOf('# Setup\n\n## Setup\n\n```bash\n# not a heading\n```\n\n### Setup\n');

    expect([...anchors]).toEqual(['setup', 'setup-1', 'setup-2']);
  });

  it('given a link to a missing file or anchor, then the check reports it', () => {
    const links = linksOf('[a](docs/none.md) and `[b](ignored.md)`\n\n```\n[c](ignored-too.md)\n```\n[d](#x "title")');

    expect(links).toEqual([
      { target: 'docs/none.md', line: 1 },
      { target: '#x', line: 6 },
    ]);
  });
});
