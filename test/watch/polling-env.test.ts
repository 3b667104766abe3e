import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { INTERVAL_ENV, pollingInterval, USE_POLLING_ENV } from '../../src/watch/polling-env.js';
import { put, WatchFixture } from './watch-harness.js';

// CHOKIDAR_USEPOLLING / CHOKIDAR_INTERVAL (set in many container images) are read by devreload
// as a polling default below --poll; chokidar itself never sees them.

const fixture = new WatchFixture();
const saved = { [USE_POLLING_ENV]: process.env[USE_POLLING_ENV], [INTERVAL_ENV]: process.env[INTERVAL_ENV] };

afterEach(async () => {
  await fixture.dispose();
  for (const [name, value] of Object.entries(saved)) {
    if (value === undefined) delete process.env[name];
    else process.env[name] = value;
  }
});

function setEnv(use: string | undefined, interval?: string): void {
  if (use === undefined) delete process.env[USE_POLLING_ENV];
  else process.env[USE_POLLING_ENV] = use;
  if (interval === undefined) delete process.env[INTERVAL_ENV];
  else process.env[INTERVAL_ENV] = interval;
}

/** The inotify watches this process holds now (Linux: one `inotify wd:` line each in fdinfo). */
function inotifyWatches(): number {
  let count = 0;
  for (const fd of readdirSync('/proc/self/fdinfo')) {
    try {
      count += readFileSync(path.join('/proc/self/fdinfo', fd), 'utf8').split('\n').filter((line) => line.startsWith('inotify wd:')).length;
    } catch {
      // Closed meanwhile.
    }
  }
  return count;
}

describe('pollingInterval', () => {
  it.each<[string | undefined, string | undefined, number | undefined, number | undefined]>([
    [undefined, undefined, undefined, undefined],
    ['true', undefined, undefined, 100],
    ['1', undefined, undefined, 100],
    ['TRUE', '250', undefined, 250],
    ['yes', undefined, undefined, 100],
    ['false', '250', undefined, undefined],
    ['0', undefined, undefined, undefined],
    ['', undefined, undefined, undefined],
    ['true', 'soon', undefined, 100],
    ['true', '-5', undefined, 100],
    ['false', undefined, 40, 40],
    ['true', '250', 40, 40],
  ])('CHOKIDAR_USEPOLLING=%s CHOKIDAR_INTERVAL=%s, poll %s: %s', (use, interval, poll, expected) => {
    const env: NodeJS.ProcessEnv = {};
    if (use !== undefined) env[USE_POLLING_ENV] = use;
    if (interval !== undefined) env[INTERVAL_ENV] = interval;
    expect(pollingInterval(poll, env)).toBe(expected);
  });
});

describe.skipIf(process.platform !== 'linux')('the watcher and chokidar’s environment variables (Linux: counts inotify watches)', () => {
  async function watchAndCount(poll: number | undefined): Promise<{ added: number; file: string; seen: () => Promise<unknown> }> {
    const dir = await fixture.tempDir();
    await put(path.join(dir, 'a.js'));
    const before = inotifyWatches();
    const session = fixture.start({ paths: [dir], cwd: dir, poll });
    await session.watcher.ready;
    const added = inotifyWatches() - before;
    const file = path.join(dir, 'a.js');
    return { added, file, seen: () => session.waitForPath(file, 'change') };
  }

  it('native events without the variables (the counting sees watches)', async () => {
    setEnv(undefined);
    const { added } = await watchAndCount(undefined);
    expect(added).toBeGreaterThan(0);
  });

  it('CHOKIDAR_USEPOLLING=true: polls (no inotify watch), sees a change, and leaves the variable in the environment', async () => {
    setEnv('true', '50');
    const { added, file, seen } = await watchAndCount(undefined);
    expect(added).toBe(0);
    await put(file);
    await seen();
    expect(process.env[USE_POLLING_ENV]).toBe('true');
    expect(process.env[INTERVAL_ENV]).toBe('50');
  });

  it('CHOKIDAR_USEPOLLING=false does not turn an explicit poll off', async () => {
    setEnv('false');
    const { added, file, seen } = await watchAndCount(50);
    expect(added).toBe(0);
    await put(file);
    await seen();
  });
});
