import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { noticeDirPath, removeNoticeDir, sweepStaleNoticeDirs } from '../../src/socket/notice-dir.js';
import { Resources, within } from './helpers.js';

const resources = new Resources();
afterEach(() => resources.cleanUp());

/** A pid that existed a moment ago and is gone now. */
async function deadPid(): Promise<number> {
  const child = spawn(process.execPath, ['-e', '0'], { stdio: 'ignore' });
  await within(new Promise((done) => child.once('exit', done)), 'a short process to exit');
  return child.pid ?? 0;
}

/** A process alive until clean-up. */
function livePid(): number {
  const child = spawn(process.execPath, ['-e', 'setInterval(() => {}, 1e6)'], { stdio: 'ignore' });
  resources.defer(() => {
    child.kill('SIGKILL');
  });
  return child.pid ?? 0;
}

/** A run's notice directory as the preload leaves it: one marker inside. */
function leftBy(dir: string, pid: number): string {
  const path = join(dir, basename(noticeDirPath(dir)).replace(`-${process.pid}-`, `-${pid}-`));
  mkdirSync(path);
  writeFileSync(join(path, '3000-0.0.0.0'), '');
  return path;
}

describe('notice directories', () => {
  it('a new name per run, under the given directory, naming this devreload', () => {
    const [a, b] = [noticeDirPath('/x'), noticeDirPath('/x')];
    expect(a).toMatch(new RegExp(`^/x/devreload-notices-${process.pid}-[0-9a-f]{16}$`));
    expect(a).not.toBe(b);
  });

  it('removeNoticeDir removes it with its markers, and a missing one quietly', async () => {
    const dir = await resources.tempDir();
    const path = leftBy(dir, process.pid);
    removeNoticeDir(path);
    expect(existsSync(path)).toBe(false);
    removeNoticeDir(path);
  });

  it('the sweep removes what a killed devreload left, and nothing of a live one or anyone else', async () => {
    const dir = await resources.tempDir();
    const dead = leftBy(dir, await deadPid());
    const live = leftBy(dir, livePid());
    const own = leftBy(dir, process.pid);
    const other = join(dir, 'devreload-e2e-123');
    mkdirSync(other);
    await sweepStaleNoticeDirs(dir);
    expect({ dead: existsSync(dead), live: existsSync(live), own: existsSync(own), other: existsSync(other) }).toEqual({ dead: false, live: true, own: true, other: true });
  });
});
