import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

// The README is what a newcomer reads in five minutes; the reference lives in docs/ (issue 21).
// These checks keep that promise cheap to hold: every relative link resolves, anchors included,
// every docs page is reachable from the README, and the README stays small.

const root = fileURLToPath(new URL('../..', import.meta.url));
const readmeLimitBytes = 12 * 1024;

const pages = ['README.md', ...readdirSync(path.join(root, 'docs')).filter((name) => name.endsWith('.md')).map((name) => `docs/${name}`)];

/** The text outside fenced code blocks and inline code spans: links and headings live there. */
function prose(markdown: string): string {
  const lines: string[] = [];
  let fence: string | undefined;
  for (const line of markdown.split('\n')) {
    const marker = /^\s*(```|~~~)/.exec(line)?.[1];
    if (marker !== undefined && (fence === undefined || fence === marker)) {
      fence = fence === undefined ? marker : undefined;
      continue;
    }
    if (fence === undefined) lines.push(line.replace(/`[^`]*`/g, 'code'));
  }
  return lines.join('\n');
}

/** The anchors GitHub gives a page's headings: lower case, punctuation dropped, spaces to dashes, repeats numbered. */
function anchors(markdown: string): Set<string> {
  const seen = new Map<string, number>();
  const result = new Set<string>();
  let fence = false;
  for (const line of markdown.split('\n')) {
    if (/^\s*(```|~~~)/.test(line)) fence = !fence;
    const heading = fence ? undefined : /^#{1,6}\s+(.*?)\s*#*\s*$/.exec(line)?.[1];
    if (heading === undefined) continue;
    const text = heading.replace(/\[([^\]]*)\]\([^)]*\)/g, '$1').replace(/[`*_]/g, (c) => (c === '_' ? c : ''));
    const base = text.toLowerCase().replace(/[^\p{L}\p{M}\p{N}\p{Pc} -]/gu, '').replace(/ /g, '-');
    const count = seen.get(base) ?? 0;
    seen.set(base, count + 1);
    result.add(count === 0 ? base : `${base}-${count}`);
  }
  return result;
}

/** Every link target in a page that is not a URL: `docs/options.md`, `#exit-codes`, `../README.md#install`. */
function relativeLinks(markdown: string): string[] {
  const targets = [...prose(markdown).matchAll(/\]\(([^)\s]+)(?:\s+"[^"]*")?\)/g)].map((match) => match[1] ?? '');
  return targets.filter((target) => !/^[a-z][a-z0-9+.-]*:/i.test(target));
}

/** The problem with one link from `page`, or undefined when it resolves. */
function brokenLink(page: string, target: string): string | undefined {
  const [file = '', anchor] = target.split('#');
  const resolved = file === '' ? path.join(root, page) : path.resolve(path.dirname(path.join(root, page)), decodeURIComponent(file));
  const shown = `${page}: (${target})`;
  if (!existsSync(resolved)) return `${shown} points to a missing file`;
  if (anchor === undefined) return undefined;
  if (!statSync(resolved).isFile() || !resolved.endsWith('.md')) return `${shown} has an anchor into a file that is not markdown`;
  return anchors(readFileSync(resolved, 'utf8')).has(anchor) ? undefined : `${shown} names no heading of ${path.relative(root, resolved)}`;
}

describe('the documentation', () => {
  it('finds the pages and their links (the checks below would pass on nothing otherwise)', () => {
    expect(pages).toEqual(expect.arrayContaining(['README.md', 'docs/options.md', 'docs/events.md', 'docs/recipes.md', 'docs/how-it-works.md', 'docs/troubleshooting.md']));
    expect(relativeLinks(readFileSync(path.join(root, 'README.md'), 'utf8')).length).toBeGreaterThan(5);
  });

  it('has no broken relative link, anchors included', () => {
    const broken = pages.flatMap((page) => relativeLinks(readFileSync(path.join(root, page), 'utf8')).map((target) => brokenLink(page, target)));
    expect(broken.filter((problem) => problem !== undefined)).toEqual([]);
  });

  it('reaches every docs page from the README', () => {
    const linked = new Set(relativeLinks(readFileSync(path.join(root, 'README.md'), 'utf8')).map((target) => target.split('#')[0]));
    expect(pages.filter((page) => page !== 'README.md' && !linked.has(page))).toEqual([]);
  });

  it(`keeps the README under ${readmeLimitBytes / 1024} KB: the reference belongs in docs/`, () => {
    expect(statSync(path.join(root, 'README.md')).size).toBeLessThanOrEqual(readmeLimitBytes);
  });
});

describe('anchors, as GitHub makes them', () => {
  it('drops punctuation and code marks, keeps dashes, numbers repeats', () => {
    const page = ['# Zero-downtime restarts: `--socket`', '## What the app receives', '## Notes', '## Notes', '```sh', '# not a heading', '```', "## The app's colours are gone"].join('\n');
    expect([...anchors(page)]).toEqual(['zero-downtime-restarts---socket', 'what-the-app-receives', 'notes', 'notes-1', 'the-apps-colours-are-gone']);
  });

  it('ignores links in code', () => {
    expect(relativeLinks('[a](docs/a.md) `[b](b.md)`\n```\n[c](c.md)\n```\n[d](https://example.com) [e](#e)')).toEqual(['docs/a.md', '#e']);
  });
});
