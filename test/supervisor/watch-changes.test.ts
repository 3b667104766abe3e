import { mkdtemp, mkdir, rm, utimes, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createLogger } from '../../src/log/logger.js';
import { resolveOptions } from '../../src/options/resolve.js';
import { watchChanges } from '../../src/supervisor/watch-changes.js';

import { PassThrough } from 'node:stream';
import { waitUntil } from '../wait.js';

let dir: string;
let watcher: ReturnType<typeof watchChanges> | undefined;

afterEach(async () => {
  await watcher?.close();
  watcher = undefined;
  await rm(dir, { recursive: true, force: true });
});

// The app is spawned before the watcher exists: a file written in between has no event.
describe('watchChanges: catching up after the first spawn', () => {
  it('reports the watched files written after the instance started, once the scan is done, and only those', async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'devreload-catchup-'));
    await mkdir(path.join(dir, 'src/deep'), { recursive: true });
    // The instance started 10 s ago; the scan ends now.
    const startedAt = Date.now() - 10_000;
    const before = new Date(startedAt - 60_000);
    const after = new Date(startedAt + 2_000);
    // Written after the scan: the watcher's to report, not the catch-up's (it would come twice).
    const later = new Date(Date.now() + 60_000);
    for (const [file, time] of [['src/old.js', before], ['src/new.js', after], ['src/deep/new.ts', after], ['src/ignored.log', after], ['src/later.js', later]] as const) {
      await writeFile(path.join(dir, file), '//\n');
      await utimes(path.join(dir, file), time, time);
    }
    await writeFile(path.join(dir, '.gitignore'), '*.log\n');
    const options = resolveOptions({ command: 'node', cwd: dir, watch: ['src'] });
    const changed: string[] = [];
    const logger = createLogger({ level: 'quiet', cwd: dir, command: 'node', stream: new PassThrough() });
    watcher = watchChanges({ options, logger, onChange: (file) => changed.push(path.relative(dir, file)), instanceStartedAt: () => startedAt });
    await watcher.ready;
    await waitUntil(() => changed.length >= 2, { interval: 10, describe: () => `two catch-up changes, got ${JSON.stringify(changed)}` });
    expect(changed.sort()).toEqual(['src/deep/new.ts', 'src/new.js']);
  });

  it('reports nothing when no instance has started yet', async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'devreload-catchup-'));
    await writeFile(path.join(dir, 'a.js'), '//\n');
    const changed: string[] = [];
    const logger = createLogger({ level: 'quiet', cwd: dir, command: 'node', stream: new PassThrough() });
    watcher = watchChanges({ options: resolveOptions({ command: 'node', cwd: dir }), logger, onChange: (file) => changed.push(file), instanceStartedAt: () => null });
    await watcher.ready;
    // The catch-up runs right after `ready`; with no instance it returns before any stat.
    for (let hop = 0; hop < 5; hop += 1) await new Promise((resolve) => setImmediate(resolve));
    expect(changed).toEqual([]);
  });
});
