import { execFileSync } from 'node:child_process';
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createGitignoreLookup } from '../../src/watch/gitignore-lookup.js';
import { createIgnoreMatcher } from '../../src/watch/ignore-rules.js';
import type { StatsLike } from '../../src/watch/ignore-rules.js';
import { hasCommand } from '../e2e/harness.js';
import { tree, WatchFixture } from './watch-harness.js';

const fixture = new WatchFixture();
afterEach(() => fixture.dispose());

const FILE: StatsLike = { isFile: () => true, isDirectory: () => false };
const FOLDER: StatsLike = { isFile: () => false, isDirectory: () => true };
const noError = (error: unknown) => {
  throw error;
};

/** A file tree with .gitignore files written as given (`null` content makes a folder). */
async function layout(dir: string, files: Record<string, string | null>): Promise<void> {
  for (const [file, content] of Object.entries(files)) {
    const target = path.join(dir, file);
    if (content === null) {
      await mkdir(target, { recursive: true });
    } else {
      await mkdir(path.dirname(target), { recursive: true });
      await writeFile(target, content);
    }
  }
}

// A rule names its .gitignore relative to cwd, as --verbose shows it.
describe('createGitignoreLookup: the top of a path’s repository', () => {
  it('is the nearest folder with a .git folder, above cwd too', async () => {
    const repo = await fixture.tempDir();
    await layout(repo, { '.git': null, '.gitignore': 'generated/\n', 'apps/api/.gitignore': '*.tmp\n' });
    const cwd = path.join(repo, 'apps/api');
    const lookup = createGitignoreLookup(cwd, [path.join(cwd, 'src')], undefined, noError);
    expect(lookup.topOf(path.join(cwd, 'src'))).toBe(repo);
    expect(lookup.match(path.join(cwd, 'src/generated'), true)).toBe('.gitignore: generated/ (../../.gitignore)');
    expect(lookup.match(path.join(cwd, 'src/a.tmp'), false)).toBe('.gitignore: *.tmp (.gitignore)');
    expect(lookup.match(path.join(cwd, 'src/a.js'), false)).toBeUndefined();
  });

  it('is the nearest folder with a .git file (a worktree or submodule), whose rules only apply there', async () => {
    const outer = await fixture.tempDir();
    await layout(outer, {
      '.git': null,
      '.gitignore': '*.log\n',
      'vendor/lib/.git': 'gitdir: ../../.git/modules/lib\n',
      'vendor/lib/.gitignore': 'dist/\n',
    });
    const lookup = createGitignoreLookup(outer, [outer], undefined, noError);
    const lib = path.join(outer, 'vendor/lib');
    expect(lookup.topOf(path.join(lib, 'src'))).toBe(lib);
    expect(lookup.match(path.join(lib, 'dist'), true)).toBe('.gitignore: dist/ (vendor/lib/.gitignore)');
    // The outer repository's rules stop at the nested one, as in git.
    expect(lookup.match(path.join(lib, 'src/debug.log'), false)).toBeUndefined();
    expect(lookup.match(path.join(outer, 'debug.log'), false)).toBe('.gitignore: *.log (.gitignore)');
  });

  it('gives a watched path in another repository that repository’s rules', async () => {
    const base = await fixture.tempDir();
    await layout(base, {
      'app/.git': null,
      'app/.gitignore': 'coverage/\n',
      'lib/.git': null,
      'lib/.gitignore': 'build/\n',
    });
    const app = path.join(base, 'app');
    const lib = path.join(base, 'lib', 'src');
    const lookup = createGitignoreLookup(app, [app, lib], undefined, noError);
    expect(lookup.topOf(lib)).toBe(path.join(base, 'lib'));
    expect(lookup.match(path.join(lib, 'build'), true)).toBe('.gitignore: build/ (../lib/.gitignore)');
    expect(lookup.match(path.join(lib, 'coverage'), true)).toBeUndefined();
    expect(lookup.match(path.join(app, 'coverage'), true)).toBe('.gitignore: coverage/ (.gitignore)');
  });

  it('without a .git: cwd for paths below it, the outermost watched path for the others, nothing above', async () => {
    const base = await fixture.tempDir();
    await layout(base, {
      '.gitignore': '*\n',
      'apps/.gitignore': '*.js\n',
      'apps/api/.gitignore': 'out/\n',
      'packages/shared/.gitignore': 'cache/\n',
    });
    const cwd = path.join(base, 'apps/api');
    const shared = path.join(base, 'packages/shared');
    const lookup = createGitignoreLookup(cwd, [path.join(cwd, 'src'), shared, path.join(shared, 'lib')], undefined, noError);
    expect(lookup.topOf(path.join(cwd, 'src'))).toBe(cwd);
    expect(lookup.topOf(path.join(shared, 'lib'))).toBe(shared);
    expect(lookup.match(path.join(cwd, 'src/out'), true)).toBe('.gitignore: out/ (.gitignore)');
    expect(lookup.match(path.join(cwd, 'src/a.js'), false)).toBeUndefined();
    expect(lookup.match(path.join(shared, 'lib/cache'), true)).toBe('.gitignore: cache/ (../../packages/shared/.gitignore)');
    expect(lookup.match(path.join(shared, 'index.js'), false)).toBeUndefined();
  });

  it('reads each folder’s .git and .gitignore once', () => {
    const asked: string[] = [];
    const reads: string[] = [];
    const lookup = createGitignoreLookup(
      '/repo/app',
      ['/repo/app/src'],
      (file) => {
        reads.push(file);
        return file === '/repo/.gitignore' ? '*.log\n' : undefined;
      },
      noError,
      (dir) => {
        asked.push(dir);
        return dir === '/repo';
      },
    );
    expect(lookup.match('/repo/app/src/a/x.log', false)).toBe('.gitignore: *.log (../.gitignore)');
    expect(lookup.match('/repo/app/src/a/y.ts', false)).toBeUndefined();
    expect(asked).toEqual(['/repo/app', '/repo', '/repo/app/src', '/repo/app/src/a']);
    expect(reads).toEqual(['/repo/.gitignore', '/repo/app/.gitignore', '/repo/app/src/.gitignore', '/repo/app/src/a/.gitignore']);
  });

  it('re-reads a .gitignore above cwd after reload()', () => {
    let root = '*.log\n';
    const lookup = createGitignoreLookup(
      '/repo/app',
      ['/repo/app'],
      (file) => (file === '/repo/.gitignore' ? root : undefined),
      noError,
      (dir) => dir === '/repo',
    );
    expect(lookup.match('/repo/app/src/x.log', false)).toBe('.gitignore: *.log (../.gitignore)');
    root = '# none\n';
    expect(lookup.match('/repo/app/src/x.log', false)).toBe('.gitignore: *.log (../.gitignore)');
    lookup.reload('/repo');
    expect(lookup.match('/repo/app/src/x.log', false)).toBeUndefined();
  });
});

describe('createIgnoreMatcher: .gitignore files above cwd', () => {
  it('applies a negation in a nested .gitignore below the repository top over the top’s rule', async () => {
    const repo = await fixture.tempDir();
    await layout(repo, { '.git': null, '.gitignore': '*.gen.js\nlogs/\n', 'apps/api/src/.gitignore': '!keep.gen.js\n' });
    const cwd = path.join(repo, 'apps/api');
    const match = createIgnoreMatcher({ paths: [path.join(cwd, 'src')], cwd });
    expect(match(path.join(cwd, 'src/a.gen.js'), FILE)).toBe('.gitignore: *.gen.js (../../.gitignore)');
    expect(match(path.join(cwd, 'src/keep.gen.js'), FILE)).toBeUndefined();
    expect(match(path.join(cwd, 'src/deep/keep.gen.js'), FILE)).toBeUndefined();
    expect(match(path.join(cwd, 'src/logs'), FOLDER)).toBe('.gitignore: logs/ (../../.gitignore)');
    // git never re-includes a file inside an ignored folder.
    expect(match(path.join(cwd, 'src/logs/keep.gen.js'), FILE)).toBe('.gitignore: logs/ (../../.gitignore)');
  });

  it('lists the .gitignore files from each watched path up to its top as rule files, and none with --no-gitignore', async () => {
    const repo = await fixture.tempDir();
    await layout(repo, { '.git': null });
    const cwd = path.join(repo, 'apps/api');
    const shared = path.join(repo, 'packages/shared');
    const options = { paths: [path.join(cwd, 'src'), shared], cwd };
    const on = createIgnoreMatcher(options);
    expect(on.outsideRuleFiles()).toEqual(
      [path.join(repo, '.gitignore'), path.join(repo, 'apps/.gitignore'), path.join(cwd, '.gitignore'), path.join(repo, 'packages/.gitignore')].sort(),
    );
    expect(on.isRuleFile(path.join(repo, '.gitignore'))).toBe(true);
    expect(on.isRuleFile(path.join(shared, 'lib/.gitignore'))).toBe(true);
    expect(on.isRuleFile(path.join(repo, 'other/.gitignore'))).toBe(false);
    expect(on.isRuleFile(path.join(path.dirname(repo), '.gitignore'))).toBe(false);
    const off = createIgnoreMatcher({ ...options, gitignore: false });
    expect(off.outsideRuleFiles()).toEqual([]);
    expect(off.isRuleFile(path.join(repo, '.gitignore'))).toBe(false);
  });

  it('never ignores a watched path outside cwd that its repository ignores, and applies no rule inside it', async () => {
    const repo = await fixture.tempDir();
    await layout(repo, { '.git': null, '.gitignore': 'generated/\n*.map\n' });
    const cwd = path.join(repo, 'app');
    const generated = path.join(repo, 'generated');
    const match = createIgnoreMatcher({ paths: [cwd, generated], cwd });
    expect(match(generated, FOLDER)).toBeUndefined();
    expect(match(path.join(generated, 'api.js.map'), FILE)).toBeUndefined();
    expect(match(path.join(cwd, 'app.js.map'), FILE)).toBe('.gitignore: *.map (../.gitignore)');
  });

  it('keeps cwd’s own rules when its repository ignores cwd (a home folder’s repository that ignores `*`)', async () => {
    const home = await fixture.tempDir();
    await layout(home, { '.git': null, '.gitignore': '*\n!.bashrc\n', 'project/.gitignore': 'dist/\n' });
    const cwd = path.join(home, 'project');
    const match = createIgnoreMatcher({ paths: [path.join(cwd, 'src'), cwd], cwd });
    expect(match(path.join(cwd, 'src/app.js'), FILE)).toBeUndefined();
    expect(match(path.join(cwd, 'server.js'), FILE)).toBeUndefined();
    expect(match(path.join(cwd, 'dist'), FOLDER)).toBe('.gitignore: dist/ (.gitignore)');
    expect(match(path.join(cwd, 'src/dist'), FOLDER)).toBe('.gitignore: dist/ (.gitignore)');
  });

  it('re-decides after an edit whether a watched folder is ignored by its repository', async () => {
    const home = await fixture.tempDir();
    await layout(home, { '.git': null, '.gitignore': '*\n', 'project/.gitignore': 'dist/\n' });
    const cwd = path.join(home, 'project');
    const match = createIgnoreMatcher({ paths: [cwd], cwd });
    expect(match(path.join(cwd, 'debug.tmp'), FILE)).toBeUndefined();
    expect(match(path.join(cwd, 'dist'), FOLDER)).toBe('.gitignore: dist/ (.gitignore)');

    await writeFile(path.join(home, '.gitignore'), '*.tmp\n');
    match.reloadGitignore(path.join(home, '.gitignore'));
    expect(match(path.join(cwd, 'debug.tmp'), FILE)).toBe('.gitignore: *.tmp (../.gitignore)');
    expect(match(path.join(cwd, 'dist'), FOLDER)).toBe('.gitignore: dist/ (.gitignore)');

    await writeFile(path.join(home, '.gitignore'), '*\n');
    match.reloadGitignore(path.join(home, '.gitignore'));
    expect(match(path.join(cwd, 'debug.tmp'), FILE)).toBeUndefined();
  });

  it.skipIf(!hasCommand('git'))('agrees with git on a package outside cwd (needs git)', async () => {
    const repo = await fixture.tempDir();
    await tree(repo, ['apps/api/src/app.js', 'packages/shared/index.js', 'packages/shared/coverage/lcov.js', 'packages/shared/src/x.gen.js', 'packages/shared/src/keep.gen.js', 'packages/shared/dist/a.js']);
    await layout(repo, { '.gitignore': '*.gen.js\ndist/\n', 'packages/shared/.gitignore': 'coverage/\n', 'packages/shared/src/.gitignore': '!keep.gen.js\n' });
    const env = { ...process.env, GIT_CONFIG_GLOBAL: '/dev/null', GIT_CONFIG_NOSYSTEM: '1' };
    execFileSync('git', ['init', '-q'], { cwd: repo, env });
    const ignoredByGit = execFileSync('git', ['ls-files', '-z', '--others', '--ignored', '--exclude-standard'], { cwd: repo, env, encoding: 'utf8' })
      .split('\0')
      .filter(Boolean)
      .sort();
    const cwd = path.join(repo, 'apps/api');
    const shared = path.join(repo, 'packages/shared');
    const match = createIgnoreMatcher({ paths: [path.join(cwd, 'src'), shared], cwd });
    const files = ['packages/shared/index.js', 'packages/shared/coverage/lcov.js', 'packages/shared/src/x.gen.js', 'packages/shared/src/keep.gen.js', 'packages/shared/dist/a.js'];
    const ours = files.filter((file) => match(path.join(repo, file), FILE) !== undefined).sort();
    expect(ours).toEqual(ignoredByGit.filter((file) => file.startsWith('packages/')));
    expect(ours).toEqual(['packages/shared/coverage/lcov.js', 'packages/shared/dist/a.js', 'packages/shared/src/x.gen.js']);
  });
});
