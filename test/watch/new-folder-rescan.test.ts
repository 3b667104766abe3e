import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createIgnoreMatcher } from '../../src/watch/ignore-rules.js';
import { NewFolderRescan } from '../../src/watch/new-folder-rescan.js';
import { WatchFixture, tree } from './watch-harness.js';

const fixture = new WatchFixture();
const rescans: NewFolderRescan[] = [];
afterEach(async () => {
  for (const rescan of rescans.splice(0)) rescan.close();
  await fixture.dispose();
});

interface Recorded {
  readonly reports: string[];
  readonly watched: string[];
  readonly errors: Error[];
  until(entry: string): Promise<void>;
}

function start(root: string): { rescan: NewFolderRescan; recorded: Recorded } {
  const reports: string[] = [];
  const waiters: { entry: string; resolve: () => void }[] = [];
  const recorded: Recorded = {
    reports,
    watched: [],
    errors: [],
    until: (entry) =>
      new Promise<void>((resolve, reject) => {
        if (reports.includes(entry)) return resolve();
        const timer = setTimeout(() => reject(new Error(`no "${entry}" in ${JSON.stringify(reports)}`)), 10_000);
        waiters.push({ entry, resolve: () => (clearTimeout(timer), resolve()) });
      }),
  };
  const rescan = new NewFolderRescan({
    delayMs: 0,
    isIgnored: createIgnoreMatcher({ paths: [root], cwd: root, ext: ['ts'] }),
    report: (kind, absPath) => {
      const entry = `${kind} ${path.relative(root, absPath)}`;
      reports.push(entry);
      for (const waiter of waiters.filter((w) => w.entry === entry)) waiter.resolve();
    },
    watchFolder: (absPath) => recorded.watched.push(path.relative(root, absPath)),
    rewatch: (absPath) => recorded.watched.push(path.relative(root, absPath)),
    onError: (error) => recorded.errors.push(error),
  });
  rescans.push(rescan);
  return { rescan, recorded };
}

describe('NewFolderRescan', () => {
  it('reports what chokidar missed in a new folder, and watches missed sub-folders', async () => {
    const root = await fixture.tempDir();
    await tree(root, ['new/seen.ts', 'new/missed.ts', 'new/notes.md', 'new/sub/deep.ts', 'new/node_modules/x/i.ts']);
    const { rescan, recorded } = start(root);

    rescan.observe('addDir', path.join(root, 'new'));
    rescan.observe('add', path.join(root, 'new/seen.ts'));
    await recorded.until('add new/sub/deep.ts');

    expect(recorded.reports.sort()).toEqual(['add new/missed.ts', 'add new/sub/deep.ts', 'addDir new/sub']);
    // chokidar watches the whole missed sub-tree from its top; asking again would double its listeners.
    expect(recorded.watched).toEqual(['new/sub']);
    expect(recorded.errors).toEqual([]);
  });

  it('does nothing for a folder that is gone again', async () => {
    const root = await fixture.tempDir();
    await tree(root, ['other/a.ts']);
    const { rescan, recorded } = start(root);
    rescan.observe('addDir', path.join(root, 'vanished'));
    rescan.observe('addDir', path.join(root, 'other'));
    // Timers of equal delay fire in order: once `other` is done, `vanished` was handled.
    await recorded.until('add other/a.ts');
    expect(recorded.reports).toEqual(['add other/a.ts']);
    expect(recorded.errors).toEqual([]);
  });

  it('reports nothing after close()', async () => {
    const root = await fixture.tempDir();
    await tree(root, ['new/a.ts']);
    const closed = start(root);
    const observer = start(root);
    closed.rescan.observe('addDir', path.join(root, 'new'));
    observer.rescan.observe('addDir', path.join(root, 'new'));
    closed.rescan.close();
    await observer.recorded.until('add new/a.ts');
    expect(closed.recorded.reports).toEqual([]);
  });
});
