import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';

export const REPOSITORY_ROOT = join(__dirname, '..', '..');

/** README.md and every page under docs/, as paths relative to the repository. */
export function documentationFiles(): string[] {
  const pages = (dir: string): string[] =>
    readdirSync(join(REPOSITORY_ROOT, dir), { withFileTypes: true }).flatMap((entry) =>
      entry.isDirectory() ? pages(join(dir, entry.name)) : entry.name.endsWith('.md') ? [join(dir, entry.name)] : [],
    );
  return ['README.md', ...pages('docs')].map((file) => relative(REPOSITORY_ROOT, join(REPOSITORY_ROOT, file)));
}

export function readDoc(file: string): string {
  return readFileSync(join(REPOSITORY_ROOT, file), 'utf8');
}

export interface FencedBlock {
  readonly language: string;
  readonly text: string;
}

/** The fenced code blocks of a markdown text, their indentation (inside a list item) removed. */
export function fencedBlocks(markdown: string): FencedBlock[] {
  const blocks: FencedBlock[] = [];
  const pattern = /^( *)```(\w*)\n([\s\S]*?)^\1```$/gm;
  for (const match of markdown.matchAll(pattern)) {
    const indent = match[1] ?? '';
    const text = (match[3] ?? '')
      .split('\n')
      .map((line) => (line.startsWith(indent) ? line.slice(indent.length) : line))
      .join('\n')
      .replace(/\n$/, '');
    blocks.push({ language: match[2] ?? '', text });
  }
  return blocks;
}

/** The text outside fenced code blocks, each block's lines left empty so line numbers stay. */
export function prose(markdown: string): string {
  return markdown.replace(/^( *)```[\s\S]*?^\1```$/gm, (block) => block.replace(/[^\n]/g, ''));
}

/**
 * A heading's anchor as GitHub makes it: the rendered text lowercased, every character that is not a
 * letter, mark, digit, connector (`_`), space or `-` removed, spaces turned into `-`.
 */
export function githubSlug(heading: string): string {
  const rendered = heading
    .replace(/!?\[([^\]]*)\]\([^)]*\)/g, '$1') // links and images: their text
    .replace(/`([^`]*)`/g, '$1') // code: its text
    .replace(/(\*\*|\*)(?=\S)([\s\S]*?\S)\1/g, '$2') // emphasis: its text
    .replace(/(^|[^\p{L}\p{N}])(__?)(?=\S)([\s\S]*?\S)\2(?![\p{L}\p{N}])/gu, '$1$3') // _emphasis_, never inside a word
    .replace(/<[^>]+>/g, ''); // inline HTML
  return rendered
    .trim()
    .toLowerCase()
    .replace(/[^\p{L}\p{M}\p{N}\p{Pc} -]/gu, '')
    .replace(/ /g, '-');
}

/** Every anchor a markdown text offers: its headings' slugs, repeated ones suffixed -1, -2, … as GitHub does. */
export function anchorsOf(markdown: string): Set<string> {
  const anchors = new Set<string>();
  const seen = new Map<string, number>();
  for (const match of prose(markdown).matchAll(/^#{1,6} +(.+?) *#*$/gm)) {
    const slug = githubSlug(match[1] ?? '');
    const count = seen.get(slug) ?? 0;
    seen.set(slug, count + 1);
    anchors.add(count === 0 ? slug : `${slug}-${count}`);
  }
  return anchors;
}

export interface Link {
  readonly target: string;
  readonly line: number;
}

/** The inline links of a markdown text outside code (fenced or inline). */
export function linksOf(markdown: string): Link[] {
  const links: Link[] = [];
  prose(markdown)
    .split('\n')
    .forEach((text, index) => {
      const withoutCode = text.replace(/`[^`]*`/g, '');
      for (const match of withoutCode.matchAll(/\]\(([^)\s]+)(?: "[^"]*")?\)/g)) links.push({ target: match[1] ?? '', line: index + 1 });
    });
  return links;
}
