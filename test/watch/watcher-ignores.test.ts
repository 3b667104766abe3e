import { skipInPass } from '../pass.js';
import { mkdir, symlink, unlink, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { DevreloadError } from '../../src/errors.js';
import { WatchFixture, expectOnlySentinel, put, tree } from './watch-harness.js';

const fixture = new WatchFixture();
afterEach(() => fixture.dispose());

const VCS_AND_DEPS = /[/\\](node_modules|\.git|\.hg|\.svn)([/\\]|$)/;

describe('watcher: always-ignored folders', () => {
  it('never reads, watches or reports node_modules (at any depth) and VCS folders', async (context) => {
    skipInPass(context, { polling: 'a known limit: polling reads only what is watched, so an ignored path raises nothing to name a rule for (docs/how-it-works.md, Platforms)' });
    const dir = await fixture.tempDir();
    await tree(dir, [
      'src/app.ts',
      'node_modules/pkg/index.js',
      'node_modules/pkg/lib/deep.js',
      'src/node_modules/dep/x.js',
      'packages/a/node_modules/b/c.js',
      '.git/HEAD',
      '.git/objects/ab/cdef',
      '.hg/store',
      '.svn/entries',
    ]);
    const session = fixture.start({ paths: [dir], cwd: dir });
    await session.watcher.ready;

    const watched = session.watcher.getWatched();
    expect(Object.keys(watched).filter((folder) => VCS_AND_DEPS.test(folder))).toEqual([]);
    expect(watched[dir]).not.toContain('node_modules');
    expect(watched[dir]).not.toContain('.git');
    expect(watched[path.join(dir, 'src')]).toEqual(['app.ts']);
    // What the scan skipped is not listed (--verbose would print a line per skipped file).
    expect(session.ignored).toEqual([]);

    await put(path.join(dir, 'node_modules/pkg/index.js'));
    await put(path.join(dir, 'node_modules/new-pkg/index.js'));
    await put(path.join(dir, 'src/node_modules/dep/y.js'));
    await put(path.join(dir, '.git/index'));
    await put(path.join(dir, '.hg/dirstate'));
    await put(path.join(dir, 'src/lib/node_modules/fresh/z.js'));
    await mkdir(path.join(dir, 'packages/.svn'));
    await expectOnlySentinel(session, path.join(dir, 'src/sentinel.ts'), (c) => c.path === path.join(dir, 'src/lib'));
    // Pruned at the top: nothing inside them is ever seen; a new one is told with its rule.
    expect(session.ignored.filter((entry) => /(node_modules|\.git|\.hg|\.svn)[/\\]./.test(entry.path))).toEqual([]);
    expect(session.ignored).toContainEqual({ path: path.join(dir, 'packages/.svn'), rule: 'always ignored: .svn' });
    expect(Object.keys(session.watcher.getWatched()).filter((folder) => VCS_AND_DEPS.test(folder))).toEqual([]);
  });

  it('watches inside node_modules when that folder itself is the watched path', async () => {
    const dir = await fixture.tempDir();
    await tree(dir, ['node_modules/my-lib/index.js', 'node_modules/my-lib/node_modules/dep/x.js']);
    const lib = path.join(dir, 'node_modules/my-lib');
    const session = fixture.start({ paths: [lib], cwd: dir });
    await session.watcher.ready;

    await put(path.join(lib, 'node_modules/dep/x.js'));
    await expectOnlySentinel(session, path.join(lib, 'index.js'));
  });
});

describe('watcher: .gitignore', () => {
  const files = ['src/app.ts', 'lib/app.ts', 'build/out.js', 'src/app.tmp', 'src/keep.tmp', 'src/secret.ts'];
  const gitignores = async (dir: string) => {
    await writeFile(path.join(dir, '.gitignore'), '*.tmp\nbuild/\n');
    // Nested: relative to src/, and a negation that overrides the root's *.tmp.
    await writeFile(path.join(dir, 'src/.gitignore'), 'secret.ts\n!keep.tmp\n');
  };

  it('honours root and nested .gitignore files, with negation', async (context) => {
    skipInPass(context, { polling: 'a known limit: polling reads only what is watched, so an ignored path raises nothing to name a rule for (docs/how-it-works.md, Platforms)' });
    const dir = await fixture.tempDir();
    await tree(dir, files);
    await gitignores(dir);
    const session = fixture.start({ paths: [dir], cwd: dir });
    await session.watcher.ready;
    expect(Object.keys(session.watcher.getWatched())).not.toContain(path.join(dir, 'build'));

    await put(path.join(dir, 'src/app.tmp'));
    await put(path.join(dir, 'src/other.tmp'));
    await put(path.join(dir, 'build/out.js'));
    await put(path.join(dir, 'src/secret.ts'));
    await put(path.join(dir, 'src/keep.tmp'));
    await put(path.join(dir, 'lib/secret.ts'));
    const wanted = [path.join(dir, 'src/keep.tmp'), path.join(dir, 'lib/secret.ts')];
    await expectOnlySentinel(session, path.join(dir, 'src/sentinel.ts'), (c) => wanted.includes(c.path));
    await session.waitForPath(wanted[0]!);
    await session.waitForPath(wanted[1]!);
    expect(session.ignored).toContainEqual({ path: path.join(dir, 'src/secret.ts'), rule: '.gitignore: secret.ts (src/.gitignore)' });
  });

  it('ignores no file for .gitignore reasons when gitignore is false', async () => {
    const dir = await fixture.tempDir();
    await tree(dir, files);
    await gitignores(dir);
    const session = fixture.start({ paths: [dir], cwd: dir, gitignore: false });
    await session.watcher.ready;

    for (const file of ['src/app.tmp', 'build/out.js', 'src/secret.ts']) {
      await put(path.join(dir, file));
      await session.waitForPath(path.join(dir, file), 'change');
    }
  });

  it('fails at once on an unreadable root .gitignore, and reports an unreadable nested one', async () => {
    const dir = await fixture.tempDir();
    await tree(dir, ['src/app.ts']);
    // A symlink loop: unreadable even for root (ELOOP), unlike a chmod 000 file.
    await symlink('.gitignore', path.join(dir, '.gitignore'));
    expect(() => fixture.start({ paths: [dir], cwd: dir })).toThrow(DevreloadError);
    expect(() => fixture.start({ paths: [dir], cwd: dir })).toThrow(/\.gitignore \(ELOOP\)/);

    await unlink(path.join(dir, '.gitignore'));
    await symlink('.gitignore', path.join(dir, 'src/.gitignore'));
    const session = fixture.start({ paths: [dir], cwd: dir });
    await session.watcher.ready;
    // Once, although every path in src/ is checked; chokidar adds its own ELOOP for the entry.
    const ours = session.errors.filter((e) => e instanceof DevreloadError);
    expect(ours.map((e) => e.message)).toEqual([expect.stringMatching(/src[/\\]\.gitignore \(ELOOP\)/)]);
    const app = path.join(dir, 'src/app.ts');
    await put(app);
    await session.waitForPath(app, 'change');
  });

  it('warns once about an unreadable .gitignore above cwd (git only warns) and keeps watching', async () => {
    const repo = await fixture.tempDir();
    await mkdir(path.join(repo, '.git'));
    await tree(repo, ['app/src/app.ts']);
    await symlink('.gitignore', path.join(repo, '.gitignore'));
    const cwd = path.join(repo, 'app');
    const session = fixture.start({ paths: [path.join(cwd, 'src')], cwd });
    await session.watcher.ready;
    const ours = session.errors.filter((e) => e instanceof DevreloadError);
    expect(ours.map((e) => e.message)).toEqual([expect.stringMatching(/\.gitignore \(ELOOP\)/)]);
    expect(ours[0]?.message).toContain(path.join(repo, '.gitignore'));
    const app = path.join(cwd, 'src/app.ts');
    await put(app);
    await session.waitForPath(app, 'change');
  });

  it('watches a gitignored folder or file when it is itself the watched path', async () => {
    const dir = await fixture.tempDir();
    await tree(dir, ['build/out.js', '.env']);
    await writeFile(path.join(dir, '.gitignore'), 'build/\n.env\n*.js\n');
    const build = path.join(dir, 'build');
    const env = path.join(dir, '.env');
    const session = fixture.start({ paths: [build, env], cwd: dir });
    await session.watcher.ready;

    await put(path.join(build, 'out.js'));
    await session.waitForPath(path.join(build, 'out.js'), 'change');
    await put(env);
    await session.waitForPath(env, 'change');
  });
});

describe('watcher: ignore globs and extensions', () => {
  it('drops files matching a file glob and everything inside a folder glob', async () => {
    const dir = await fixture.tempDir();
    await tree(dir, ['src/app.ts', 'src/app.test.ts', 'dist/x.js', 'src/generated/g.ts']);
    const ignore = ['*.test.ts', 'dist', 'src/generated/**'];
    const session = fixture.start({ paths: [dir], cwd: dir, ignore });
    await session.watcher.ready;
    expect(Object.keys(session.watcher.getWatched())).not.toContain(path.join(dir, 'dist'));

    await put(path.join(dir, 'src/app.test.ts'));
    await put(path.join(dir, 'src/deep/er/more.test.ts'));
    await put(path.join(dir, 'dist/x.js'));
    await put(path.join(dir, 'dist/sub/y.js'));
    await put(path.join(dir, 'src/generated/g.ts'));
    const folders = [path.join(dir, 'src/deep'), path.join(dir, 'src/deep/er')];
    await expectOnlySentinel(session, path.join(dir, 'src/app.ts'), (c) => folders.includes(c.path));
  });

  it('filters files by extension but still descends into new folders, dotted names included', async () => {
    const dir = await fixture.tempDir();
    await tree(dir, ['src/app.ts', 'README.md']);
    const session = fixture.start({ paths: [dir], cwd: dir, ext: ['ts'] });
    await session.watcher.ready;

    await put(path.join(dir, 'README.md'));
    await mkdir(path.join(dir, 'lib/v1.2/socket.io'), { recursive: true });
    await put(path.join(dir, 'lib/v1.2/socket.io/notes.md'));
    const nested = path.join(dir, 'lib/v1.2/socket.io/client.ts');
    await put(nested);
    await session.waitForPath(nested, 'add');
    await expectOnlySentinel(session, path.join(dir, 'src/app.ts'), (c) => c.kind === 'addDir' || c.path === nested);
    expect(session.changes.map((c) => c.path)).not.toContain(path.join(dir, 'README.md'));
  });
});
