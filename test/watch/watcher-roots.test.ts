import { rename, rm, unlink, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { WatchFixture, expectOnlySentinel, put, tree } from './watch-harness.js';
import type { WatchSession } from './watch-harness.js';

const fixture = new WatchFixture();
afterEach(() => fixture.dispose());

/**
 * chokidar drops a change that follows the previous one for the same file within 50 ms,
 * and holds every unlink for 100 ms: deleting a file it tracks and waiting for the
 * unlink lets that window pass without a fixed sleep.
 */
async function outwaitChangeThrottle(session: WatchSession, tracked: string): Promise<void> {
  const from = session.changes.length;
  await unlink(tracked);
  await session.waitFor(
    (c) => c.path === tracked && c.kind === 'unlink' && session.changes.indexOf(c) >= from,
    `unlink ${tracked}`,
  );
}

describe('watcher: a watched path that is deleted or replaced', () => {
  it.each([
    ['native events', undefined],
    ['polling', 50],
  ])('keeps watching a folder replaced by a clean build (rm -rf dist && build), %s', async (_mode, poll) => {
    const dir = await fixture.tempDir();
    await tree(dir, ['dist/server.js', 'dist/lib/util.js']);
    const dist = path.join(dir, 'dist');
    const session = fixture.start({ paths: [dist], cwd: dir, poll });
    await session.watcher.ready;

    for (let build = 1; build <= 2; build++) {
      await rm(dist, { recursive: true });
      await put(path.join(dist, 'lib/util.js'), `build ${build}\n`);
      await put(path.join(dist, 'server.js'), `build ${build}\n`);
      // The replaced folder is watched afresh and everything in it reported as added.
      await session.waitForPath(path.join(dist, 'server.js'), 'add');
      await outwaitChangeThrottle(session, path.join(dist, 'server.js'));
      const count = session.changesOf(path.join(dist, 'lib/util.js')).length;
      // The new folder is really watched, not just reported once.
      await put(path.join(dist, 'lib/util.js'), `edit after build ${build}\n`);
      await session.waitFor(
        () => session.changesOf(path.join(dist, 'lib/util.js')).length > count,
        `an edit of lib/util.js after build ${build}`,
      );
      session.changes.length = 0;
    }
  });

  it('reports a watched folder deleted, then everything in it when it comes back', async () => {
    const dir = await fixture.tempDir();
    await tree(dir, ['dist/server.js']);
    const dist = path.join(dir, 'dist');
    const session = fixture.start({ paths: [dist], cwd: dir });
    await session.watcher.ready;

    await rm(dist, { recursive: true });
    await session.waitFor((c) => c.path === dist && c.kind === 'unlinkDir', 'unlinkDir dist');
    // Built elsewhere and moved in, as many build tools do.
    await tree(dir, ['dist.tmp/server.js', 'dist.tmp/other.js']);
    await rename(path.join(dir, 'dist.tmp'), dist);
    await session.waitForPath(path.join(dist, 'server.js'), 'add');
    await outwaitChangeThrottle(session, path.join(dist, 'other.js'));
    const server = path.join(dist, 'server.js');
    const before = session.changesOf(server).length;
    await put(server, 'edited\n');
    await session.waitFor(() => session.changesOf(server).length > before, 'edit of server.js');
  });

  it.each([
    ['vim (rename away, write new)', async (file: string, i: number) => {
      await rename(file, `${file}~`);
      await writeFile(file, `A=${i}\n`);
      await unlink(`${file}~`);
    }],
    ['delete then create', async (file: string, i: number) => {
      await unlink(file);
      await writeFile(file, `A=${i}\n`);
    }],
  ])('keeps watching a single file next to other watched paths after a %s save', async (_how, save) => {
    const dir = await fixture.tempDir();
    await tree(dir, ['src/app.ts', 'src/other.ts', '.env']);
    const env = path.join(dir, '.env');
    const session = fixture.start({ paths: [path.join(dir, 'src'), env], cwd: dir });
    await session.watcher.ready;

    for (let i = 1; i <= 3; i++) {
      const from = session.changes.length;
      await save(env, i);
      // An unlink alone would leave .env unwatched: the new file must be reported too.
      await session.waitFor(
        (c) => c.path === env && c.kind !== 'unlink' && session.changes.indexOf(c) >= from,
        `save ${i} of .env`,
      );
    }
    await outwaitChangeThrottle(session, path.join(dir, 'src/other.ts'));
    const before = session.changesOf(env).length;
    await writeFile(env, 'A=plain write\n');
    await session.waitFor(() => session.changesOf(env).length > before, 'plain write of .env');
  });

  it('reports a change under nested watched paths once', async () => {
    const dir = await fixture.tempDir();
    await tree(dir, ['src/app.ts', 'src/lib/util.ts']);
    const session = fixture.start({ paths: [dir, path.join(dir, 'src'), path.join(dir, 'src/lib'), dir], cwd: dir });
    await session.watcher.ready;

    const util = path.join(dir, 'src/lib/util.ts');
    await put(util);
    await session.waitForPath(util, 'change');
    await expectOnlySentinel(session, path.join(dir, 'src/lib/sentinel.ts'), (c) => c.path === util);
    expect(session.changesOf(util)).toEqual([{ kind: 'change', path: util }]);
  });
});
