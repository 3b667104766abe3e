import { mkdir, rm, unlink, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { WatchFixture, expectOnlySentinel, put, tree } from './watch-harness.js';
import { waitUntil } from '../wait.js';

const fixture = new WatchFixture();
afterEach(() => fixture.dispose());

describe('watcher: folders with --ext', () => {
  it('creating or removing an empty folder is no change; a matching file in a new folder is', async () => {
    const dir = await fixture.tempDir();
    await tree(dir, ['src/app.js', 'src/old/keep.txt']);
    await mkdir(path.join(dir, 'src/empty-before'));
    const session = fixture.start({ paths: [dir], cwd: dir, ext: ['js'] });
    await session.watcher.ready;
    await mkdir(path.join(dir, 'src/empty'));
    await mkdir(path.join(dir, 'src/deep/er/still'), { recursive: true });
    await rm(path.join(dir, 'src/empty-before'), { recursive: true });
    await rm(path.join(dir, 'src/old'), { recursive: true });
    await expectOnlySentinel(session, path.join(dir, 'src/sentinel.js'));

    await mkdir(path.join(dir, 'src/d'));
    await writeFile(path.join(dir, 'src/d/x.js'), '');
    await session.waitForPath(path.join(dir, 'src/d/x.js'), 'add');
    expect(session.changes.filter((c) => c.kind === 'addDir' || c.kind === 'unlinkDir')).toEqual([]);
  });

  it('without --ext a new folder is still a change (an app may list it)', async () => {
    const dir = await fixture.tempDir();
    await tree(dir, ['src/app.js']);
    const session = fixture.start({ paths: [dir], cwd: dir });
    await session.watcher.ready;
    await mkdir(path.join(dir, 'src/uploads'));
    await session.waitForPath(path.join(dir, 'src/uploads'), 'addDir');
  });
});

describe('watcher: live .gitignore rules', () => {
  it('an edited root .gitignore is no change, and the next events meet its new rules both ways', async () => {
    const dir = await fixture.tempDir();
    await tree(dir, ['src/app.js', 'gen/a.js', 'gen/sub/b.js', 'src/debug.log']);
    await writeFile(path.join(dir, '.gitignore'), 'gen/\n*.log\n');
    const session = fixture.start({ paths: [dir], cwd: dir });
    await session.watcher.ready;
    expect(Object.keys(session.watcher.getWatched())).not.toContain(path.join(dir, 'gen'));

    // gen/ un-ignored (chokidar never read it: it must be watched now), *.tmp newly ignored.
    await writeFile(path.join(dir, '.gitignore'), '*.log\n*.tmp\n');
    await session.waitForRules(1);
    await waitForWatched(session.watcher, path.join(dir, 'gen/sub'));
    await put(path.join(dir, 'gen/sub/b.js'));
    await session.waitForPath(path.join(dir, 'gen/sub/b.js'));
    await put(path.join(dir, 'src/scratch.tmp'));
    await put(path.join(dir, 'src/debug.log'));
    await expectOnlySentinel(session, path.join(dir, 'src/app.js'), (c) => c.path === path.join(dir, 'gen/sub/b.js'));
    expect(session.rules).toEqual([path.join(dir, '.gitignore')]);
  });

  // Each phase writes a file of its own: chokidar drops a second change to one path within 50 ms.
  it('a nested .gitignore created, then deleted, applies below its folder; with --ext too', async () => {
    const dir = await fixture.tempDir();
    await tree(dir, ['src/app.js', 'src/lib/gen1.js', 'src/lib/gen2.js', 'other/gen1.js']);
    const session = fixture.start({ paths: [dir], cwd: dir, ext: ['js'] });
    await session.watcher.ready;

    await writeFile(path.join(dir, 'src/.gitignore'), 'gen*.js\n');
    await session.waitForRules(1);
    await put(path.join(dir, 'src/lib/gen1.js'));
    await put(path.join(dir, 'other/gen1.js'));
    await expectOnlySentinel(session, path.join(dir, 'src/app.js'), (c) => c.path === path.join(dir, 'other/gen1.js'));
    await session.waitForPath(path.join(dir, 'other/gen1.js'));

    await unlink(path.join(dir, 'src/.gitignore'));
    await session.waitForRules(2);
    await put(path.join(dir, 'src/lib/gen2.js'));
    await session.waitForPath(path.join(dir, 'src/lib/gen2.js'));
    expect(session.changes.filter((c) => path.basename(c.path) === '.gitignore')).toEqual([]);
  });

  it.each([['native events', undefined], ['polling', 50]])('a .gitignore above the watched folder (outside every watched path) is live too, %s', async (_, poll) => {
    const dir = await fixture.tempDir();
    await tree(dir, ['src/app.js', 'src/out/a.js', 'src/out/b.js']);
    const session = fixture.start({ paths: [path.join(dir, 'src')], cwd: dir, poll });
    await session.watcher.ready;
    await writeFile(path.join(dir, '.gitignore'), 'out/\n');
    await session.waitForRules(1);
    await put(path.join(dir, 'src/out/a.js'));
    await expectOnlySentinel(session, path.join(dir, 'src/app.js'));
    await writeFile(path.join(dir, '.gitignore'), '# nothing\n');
    await session.waitForRules(2);
    await put(path.join(dir, 'src/out/b.js'));
    await session.waitForPath(path.join(dir, 'src/out/b.js'));
  });
});

describe('watcher: live .gitignore rules above cwd and outside it (workspace packages)', () => {
  it.each([['native events', undefined], ['polling', 50]])('an edit to the repository root’s .gitignore applies at once in cwd’s folder and in a package outside cwd, %s', async (_, poll) => {
    const repo = await fixture.tempDir();
    await mkdir(path.join(repo, '.git'));
    await tree(repo, ['apps/api/src/app.js', 'apps/api/src/out/a.js', 'packages/shared/index.js', 'packages/shared/out/a.js', 'packages/shared/out/b.js']);
    const cwd = path.join(repo, 'apps/api');
    const shared = path.join(repo, 'packages/shared');
    const session = fixture.start({ paths: [path.join(cwd, 'src'), shared], cwd, poll });
    await session.watcher.ready;

    await writeFile(path.join(repo, '.gitignore'), 'out/\n');
    await session.waitForRules(1);
    await put(path.join(shared, 'out/a.js'));
    await put(path.join(cwd, 'src/out/a.js'));
    await expectOnlySentinel(session, path.join(shared, 'index.js'));

    // Un-ignored: the folder the old rule pruned is watched now.
    await writeFile(path.join(repo, '.gitignore'), '# nothing\n');
    await session.waitForRules(2);
    await put(path.join(shared, 'out/b.js'));
    await session.waitForPath(path.join(shared, 'out/b.js'));
    expect(session.changes.filter((c) => path.basename(c.path) === '.gitignore')).toEqual([]);
  });

  it('a .gitignore between a package outside cwd and the repository root is live (created, then deleted)', async () => {
    const repo = await fixture.tempDir();
    await mkdir(path.join(repo, '.git'));
    await tree(repo, ['app/src/app.js', 'packages/shared/index.js', 'packages/shared/x.gen.js', 'packages/shared/y.gen.js']);
    const cwd = path.join(repo, 'app');
    const shared = path.join(repo, 'packages/shared');
    const session = fixture.start({ paths: [path.join(cwd, 'src'), shared], cwd });
    await session.watcher.ready;

    await writeFile(path.join(repo, 'packages/.gitignore'), '*.gen.js\n');
    await session.waitForRules(1);
    await put(path.join(shared, 'x.gen.js'));
    await expectOnlySentinel(session, path.join(shared, 'index.js'));

    await unlink(path.join(repo, 'packages/.gitignore'));
    await session.waitForRules(2);
    await put(path.join(shared, 'y.gen.js'));
    await session.waitForPath(path.join(shared, 'y.gen.js'));
  });
});

/** Resolves once chokidar watches `folder` (its entries are listed); chokidar's add() is asynchronous. */
async function waitForWatched(watcher: { getWatched(): Record<string, string[]> }, folder: string): Promise<void> {
  await waitUntil(() => folder in watcher.getWatched(), { describe: () => `${folder} to be watched: ${JSON.stringify(Object.keys(watcher.getWatched()))}` });
}
