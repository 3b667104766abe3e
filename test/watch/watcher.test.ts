import { skipInPass } from '../pass.js';
import { mkdir, rename, rm, unlink, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { WatchFixture, expectOnlySentinel, put, tree } from './watch-harness.js';

const fixture = new WatchFixture();
afterEach(() => fixture.dispose());

describe('watcher: file events', () => {
  it('reports change, add and unlink of files with absolute paths', async () => {
    const dir = await fixture.tempDir();
    await tree(dir, ['src/app.ts']);
    const session = fixture.start({ paths: [dir], cwd: dir });
    await session.watcher.ready;

    const app = path.join(dir, 'src/app.ts');
    await put(app, 'changed\n');
    expect(await session.waitForPath(app)).toEqual({ kind: 'change', path: app });

    const added = path.join(dir, 'src/new.ts');
    await put(added);
    expect(await session.waitForPath(added)).toEqual({ kind: 'add', path: added });

    await unlink(app);
    expect(await session.waitForPath(app, 'unlink')).toEqual({ kind: 'unlink', path: app });
    expect(session.errors).toEqual([]);
  });

  it('reports a file created inside a brand-new nested folder', async () => {
    const dir = await fixture.tempDir();
    const session = fixture.start({ paths: [dir], cwd: dir });
    await session.watcher.ready;

    await mkdir(path.join(dir, 'a/b/c'), { recursive: true });
    const deep = path.join(dir, 'a/b/c/deep.ts');
    await put(deep);
    await session.waitForPath(deep, 'add');
    expect(session.changesOf(path.join(dir, 'a'))).toContainEqual({ kind: 'addDir', path: path.join(dir, 'a') });
  });

  it('reports every file written right after its new folder appears (chokidar read/watch race)', async () => {
    const dir = await fixture.tempDir();
    const session = fixture.start({ paths: [dir], cwd: dir });
    await session.watcher.ready;

    // Without the rescan ~1% of these files are lost; 100 folders make a miss likely.
    const files = Array.from({ length: 100 }, (_, i) => path.join(dir, `pkg${i}/v1.2/lib/client.ts`));
    for (const file of files) {
      await mkdir(path.dirname(file), { recursive: true });
      await put(path.join(path.dirname(file), 'notes.md'));
      await put(file);
    }
    for (const file of files) await session.waitForPath(file, 'add');
  });

  it('reports the deletion of a folder and of the files in it', async () => {
    const dir = await fixture.tempDir();
    await tree(dir, ['old/x.ts', 'old/inner/y.ts']);
    const session = fixture.start({ paths: [dir], cwd: dir });
    await session.watcher.ready;

    await rm(path.join(dir, 'old'), { recursive: true });
    await session.waitForPath(path.join(dir, 'old'), 'unlinkDir');
    await session.waitForPath(path.join(dir, 'old/x.ts'), 'unlink');
  });

  it('reports a rename as unlink of the old name and add of the new one', async () => {
    const dir = await fixture.tempDir();
    await tree(dir, ['before.ts']);
    const session = fixture.start({ paths: [dir], cwd: dir });
    await session.watcher.ready;

    await rename(path.join(dir, 'before.ts'), path.join(dir, 'after.ts'));
    await session.waitForPath(path.join(dir, 'after.ts'), 'add');
    await session.waitForPath(path.join(dir, 'before.ts'), 'unlink');
  });

  it('watches a single file and nothing else in its folder', async () => {
    const dir = await fixture.tempDir();
    await tree(dir, ['config.json', 'other.ts']);
    const config = path.join(dir, 'config.json');
    const session = fixture.start({ paths: [config], cwd: dir, ext: ['ts'] });
    await session.watcher.ready;

    await put(path.join(dir, 'other.ts'));
    await put(path.join(dir, 'brand-new.ts'));
    // The watched file is the sentinel; `ext` never filters an explicitly watched file.
    await expectOnlySentinel(session, config);
    expect(session.changes).toEqual([{ kind: 'change', path: config }]);
  });
});

describe('watcher: lifecycle', () => {
  it('never emits changes made during the initial scan', async () => {
    const dir = await fixture.tempDir();
    // Enough folders that the scan is still running while the hot file gets rewritten.
    await tree(dir, ['hot.ts', ...Array.from({ length: 400 }, (_, i) => `d${i}/f${i}.ts`)]);
    const hot = path.join(dir, 'hot.ts');
    const session = fixture.start({ paths: [dir], cwd: dir });
    let readySeen = false;
    const beforeReady: unknown[] = [];
    session.watcher.on('change', (change) => {
      if (!readySeen) beforeReady.push(change);
    });
    void session.watcher.ready.then(() => {
      readySeen = true;
    });

    let writesDuringScan = 0;
    for (let i = 0; !readySeen; i++) {
      await writeFile(hot, `during scan ${i}\n`);
      if (!readySeen) writesDuringScan++;
      await new Promise((resolve) => setImmediate(resolve));
    }
    await session.watcher.ready;

    expect(writesDuringScan).toBeGreaterThan(0);
    expect(beforeReady).toEqual([]);
    const sentinel = path.join(dir, 'sentinel.ts');
    await put(sentinel);
    await session.waitForPath(sentinel, 'add');
  });

  it('close() can be called twice, returns one promise, and stops all events', async () => {
    const dir = await fixture.tempDir();
    await tree(dir, ['app.ts']);
    const closed = fixture.start({ paths: [dir], cwd: dir });
    const observer = fixture.start({ paths: [dir], cwd: dir });
    await Promise.all([closed.watcher.ready, observer.watcher.ready]);

    const first = closed.watcher.close();
    const second = closed.watcher.close();
    expect(second).toBe(first);
    await Promise.all([first, second]);
    await closed.watcher.close();

    // The second watcher proves the write happened and was observable.
    const app = path.join(dir, 'app.ts');
    await put(app);
    await observer.waitForPath(app, 'change');
    expect(closed.changes).toEqual([]);
  });

  it('resolves ready when closed before the initial scan finished', async () => {
    const dir = await fixture.tempDir();
    const session = fixture.start({ paths: [dir], cwd: dir });
    await session.watcher.close();
    await expect(session.watcher.ready).resolves.toBeUndefined();
  });

  it('polls when poll is set, and reports a change', async () => {
    const dir = await fixture.tempDir();
    await tree(dir, ['app.ts']);
    const session = fixture.start({ paths: [dir], cwd: dir, poll: 50 });
    await session.watcher.ready;
    // fs.watchFile() handles show up as StatWatcher, fs.watch() ones as FSEventWrap.
    expect(process.getActiveResourcesInfo()).toContain('StatWatcher');
    expect(process.getActiveResourcesInfo()).not.toContain('FSEventWrap');

    const app = path.join(dir, 'app.ts');
    await put(app, 'polled change\n');
    await session.waitForPath(app, 'change');
  });

  it('uses native events when poll is not set', async (context) => {
    skipInPass(context, { polling: 'this pass sets CHOKIDAR_USEPOLLING, which devreload honours: there are no native events to see' });
    const dir = await fixture.tempDir();
    await tree(dir, ['app.ts']);
    const session = fixture.start({ paths: [dir], cwd: dir });
    await session.watcher.ready;
    expect(process.getActiveResourcesInfo()).toContain('FSEventWrap');
    expect(process.getActiveResourcesInfo()).not.toContain('StatWatcher');
  });
});

describe('watcher: editor saves', () => {
  it('reports a vim-style atomic save (swap, temp, rename over) as exactly one change', async (context) => {
    skipInPass(context, { polling: 'a known limit: a poller sees the rename over the file as more than one change' });
    const dir = await fixture.tempDir();
    await tree(dir, ['app.ts', 'gone-1.ts', 'gone-2.ts', 'gone-3.ts']);
    const app = path.join(dir, 'app.ts');
    const session = fixture.start({ paths: [dir], cwd: dir });
    await session.watcher.ready;

    for (let save = 1; save <= 3; save++) {
      await writeFile(path.join(dir, '.app.ts.swp'), `swap ${save}\n`);
      await writeFile(path.join(dir, 'app.ts~'), `version ${save}\n`);
      await rename(path.join(dir, 'app.ts~'), app);
      await session.waitFor(() => session.changesOf(app).length >= save, `save ${save} of app.ts`);
      // An unlink is held for chokidar's atomic window and flushes every unlink pending
      // before it: once it arrives, any stray event from this save has arrived too.
      const sentinel = path.join(dir, `gone-${save}.ts`);
      await unlink(sentinel);
      await session.waitForPath(sentinel, 'unlink');
      expect(session.changesOf(app).map(({ kind, path: changed }) => ({ kind, path: changed }))).toEqual(Array.from({ length: save }, () => ({ kind: 'change', path: app })));
    }
    expect(session.changes.filter((c) => c.path !== app && !c.path.includes('gone-'))).toEqual([]);
  });

  it('never reports editor swap, backup, lock and temp files', async () => {
    const dir = await fixture.tempDir();
    await tree(dir, ['src/app.ts']);
    const session = fixture.start({ paths: [dir], cwd: dir });
    await session.watcher.ready;

    const temps = [
      '.app.ts.swp', '.app.ts.swo', '.app.ts.swx', '4913', 'app.ts~',
      'app.ts___jb_tmp___', 'app.ts___jb_old___', '.#app.ts', '#app.ts#', '.DS_Store',
    ].map((name) => path.join(dir, 'src', name));
    for (const temp of temps) await put(temp);
    await expectOnlySentinel(session, path.join(dir, 'src/sentinel-1.ts'));
    for (const temp of temps) await unlink(temp);
    await expectOnlySentinel(session, path.join(dir, 'src/sentinel-2.ts'), (c) => c.path.endsWith('sentinel-1.ts'));
  });
});
