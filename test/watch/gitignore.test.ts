import { execFileSync } from 'node:child_process';
import { readdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createGitignoreRules, toCwdPatterns } from '../../src/watch/gitignore.js';
import { hasCommand } from '../e2e/harness.js';
import { WatchFixture, tree } from './watch-harness.js';

const fixture = new WatchFixture();
afterEach(() => fixture.dispose());

const GITIGNORES: Record<string, string> = {
  '.gitignore': [
    '# a comment, then rules',
    '*.log',
    '!important.log',
    'build/',
    '/root-only.txt',
    'docs/**/*.tmp',
    'lib/*',
    '!lib/keep/',
    '\\#hash.txt',
  ].join('\n'),
  'src/.gitignore': ['secret.ts', '!keep.log', '/anchored.ts', 'gen/', '*.bak', '!special.bak', 'spaced.txt   '].join('\r\n'),
  'src/deep/.gitignore': '!secret.ts\nother/*.js\n',
  // Re-includes a folder that a shallower file excludes: git descends into it again.
  'packages/foo/.gitignore': '!build/\n',
  // A folder name with glob characters must match literally.
  'app/[id]/.gitignore': 'page.tmp\n',
};

const FILES = [
  'app.log', 'important.log', 'src/app.log', 'src/keep.log', 'src/deep/keep.log',
  'src/secret.ts', 'src/deep/secret.ts', 'src/anchored.ts', 'src/deep/anchored.ts',
  'src/gen/x.ts', 'src/deep/gen/y.ts', 'src/a.bak', 'src/special.bak', 'src/spaced.txt',
  'build/out.js', 'src/build/out.js', 'packages/foo/build/out.js', 'packages/bar/build/out.js',
  'root-only.txt', 'src/root-only.txt', 'docs/a/b/c.tmp', 'docs/c.tmp', 'c.tmp',
  'lib/x.js', 'lib/keep/y.js', 'lib/other/z.js', '#hash.txt', 'src/#hash.txt',
  'src/deep/other/q.js', 'src/deep/other/q.ts', 'src/other/q.js',
  'app/[id]/page.tmp', 'app/[id]/page.ts', 'app/i/page.tmp', 'app/d/page.tmp',
];

async function listFiles(root: string, relDir = ''): Promise<string[]> {
  const entries = await readdir(path.join(root, relDir), { withFileTypes: true });
  const nested = await Promise.all(
    entries
      .filter((entry) => entry.name !== '.git')
      .map((entry) => {
        const rel = relDir === '' ? entry.name : `${relDir}/${entry.name}`;
        return entry.isDirectory() ? listFiles(root, rel) : Promise.resolve([rel]);
      }),
  );
  return nested.flat();
}

function gitIgnoredFiles(root: string): string[] {
  const home = path.join(root, '.git');
  // Isolated from the user's and system's git config and global excludes file.
  const env = { ...process.env, HOME: home, XDG_CONFIG_HOME: home, GIT_CONFIG_NOSYSTEM: '1' };
  execFileSync('git', ['init', '-q'], { cwd: root, env });
  const output = execFileSync('git', ['ls-files', '-z', '--others', '--ignored', '--exclude-standard'], {
    cwd: root,
    env,
    encoding: 'utf8',
  });
  return output.split('\0').filter(Boolean);
}

describe('gitignore rules', () => {
  it.skipIf(!hasCommand('git'))('ignores exactly the files git ignores (nested files, negation, anchoring, re-inclusion) (needs git)', async () => {
    const dir = await fixture.tempDir();
    await tree(dir, FILES);
    for (const [file, content] of Object.entries(GITIGNORES)) await writeFile(path.join(dir, file), content);

    const expected = gitIgnoredFiles(dir).sort();
    const rules = createGitignoreRules(dir);
    const actual = (await listFiles(dir)).filter((file) => rules.match(file, false) !== undefined).sort();
    expect(actual).toEqual(expected);
    // Guard against a vacuous comparison: the tree exercises both outcomes.
    expect(expected).toContain('src/secret.ts');
    expect(expected).not.toContain('src/deep/secret.ts');
    expect(expected).not.toContain('packages/foo/build/out.js');
  });

  it('tells folders from files for folder-only rules', async () => {
    const dir = await fixture.tempDir();
    await writeFile(path.join(dir, '.gitignore'), 'build/\n');
    const rules = createGitignoreRules(dir);
    expect(rules.match('build', true)).toBe('.gitignore: build/ (.gitignore)');
    expect(rules.match('build', false)).toBeUndefined();
    expect(rules.match('build/anything.js', false)).toBe('.gitignore: build/ (.gitignore)');
  });

  it('reads each .gitignore once, lazily, through the injected reader', async () => {
    const reads: string[] = [];
    const rules = createGitignoreRules('/project', (file) => {
      reads.push(file);
      return file === '/project/.gitignore' ? '*.log\n' : undefined;
    });
    expect(rules.match('a/b/c.log', false)).toBe('.gitignore: *.log (.gitignore)');
    expect(rules.match('a/b/d.ts', false)).toBeUndefined();
    expect(rules.match('a/e.ts', false)).toBeUndefined();
    expect(reads).toEqual(['/project/.gitignore', '/project/a/.gitignore', '/project/a/b/.gitignore']);
  });

  it('reports an unreadable .gitignore once and treats its folder as having no rules', () => {
    const unreadable: unknown[] = [];
    const rules = createGitignoreRules(
      '/project',
      (file) => {
        if (file === '/project/src/.gitignore') throw new Error(`cannot read ${file}`);
        return file === '/project/.gitignore' ? '*.log\n' : undefined;
      },
      (error) => unreadable.push(error),
    );
    expect(rules.match('src/a.log', false)).toBe('.gitignore: *.log (.gitignore)');
    expect(rules.match('src/b.ts', false)).toBeUndefined();
    expect(unreadable).toEqual([new Error('cannot read /project/src/.gitignore')]);
  });

  it('rebases nested patterns onto cwd, keeping their origin for --verbose', () => {
    expect(toCwdPatterns('*.log\n/x.ts\n!keep/\na/b\n\\#x\n# note\n\n', 'src/[id]')).toEqual([
      { pattern: 'src/\\[id\\]/**/*.log', mark: '*.log (src/[id]/.gitignore)' },
      { pattern: 'src/\\[id\\]/x.ts', mark: '/x.ts (src/[id]/.gitignore)' },
      { pattern: '!src/\\[id\\]/**/keep/', mark: '!keep/ (src/[id]/.gitignore)' },
      { pattern: 'src/\\[id\\]/a/b', mark: 'a/b (src/[id]/.gitignore)' },
      { pattern: 'src/\\[id\\]/**/#x', mark: '\\#x (src/[id]/.gitignore)' },
    ]);
  });
});
