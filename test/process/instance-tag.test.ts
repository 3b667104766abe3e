import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startInstance, type Instance } from '../../src/process/instance.js';
import type { TableSource } from '../../src/process/table.js';
import { fixture, isLive, killAll, node, report, waitDead, withTimeout } from './helpers.js';
import { hasPs } from './host-tools.js';

// Issue 14: a daemon that double-forked away from the group, the session and the ppid tree is
// found by the instance tag in its environment; a process with a similar variable never is.

let dir = '';
const instances: Instance[] = [];
const extra: number[] = [];

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'devreload-tag-'));
});

afterEach(async () => {
  for (const instance of instances.splice(0)) await instance.signal('SIGKILL');
  killAll(extra.splice(0));
  await rm(dir, { recursive: true, force: true });
});

const environ = async (pid: number): Promise<string[]> => (await readFile(`/proc/${pid}/environ`, 'utf8')).split('\0');
const tagOf = async (pid: number): Promise<string | undefined> =>
  (await environ(pid)).find((entry) => entry.startsWith('DEVRELOAD_INSTANCE='))?.slice('DEVRELOAD_INSTANCE='.length);

/** A process outside every instance (the test's own child) with `entry` in its environment. */
async function stranger(entry: string): Promise<number> {
  const [name = '', value = ''] = entry.split(/=(.*)/s);
  const child = spawn('sleep', ['60'], { detached: true, stdio: 'ignore', env: { PATH: process.env.PATH, [name]: value } });
  await once(child, 'spawn');
  extra.push(child.pid ?? 0);
  return child.pid ?? 0;
}

describe.each<[string, TableSource]>([
  ['proc', 'proc'],
  [hasPs ? 'ps' : 'ps (skipped: ps is not on PATH)', 'ps'],
])('startInstance: a double-forked daemon via %s', (_label, tableSource) => {
  const unavailable = tableSource === 'ps' && !hasPs;

  // leader -(same group)-> middle -(setsid)-> daemon, and the middle exits at once: the daemon
  // is in its own session and group, a child of init, before any scan can see it.
  const doubleFork = () =>
    node('spawn-child.js', join(dir, 'leader.json'), 'group', 'stay', fixture('spawn-child.js'), join(dir, 'middle.json'),
      'detached', 'exit', fixture('forever.js'), join(dir, 'daemon.json'));

  it.skipIf(unavailable)('is signalled at the stop, gone waits for it, and lookalikes are never touched', async () => {
    const instance = await startInstance({ ...doubleFork(), cwd: dir, env: { ...process.env }, tableSource });
    instances.push(instance);
    const { pid: middle } = await report(dir, 'middle.json');
    const { pid: daemon } = await report(dir, 'daemon.json');
    extra.push(daemon);
    await waitDead(dir, middle);
    const tag = instance.tag ?? '';
    expect(tag).toMatch(/^[0-9a-f]{32}\.\d+$/);
    expect(await tagOf(instance.pid)).toBe(tag);
    expect(await tagOf(daemon)).toBe(tag);
    const secret = tag.split('.')[0] ?? '';
    // Started after the instance, so that the start-time bound does not hide them.
    const lookalikes = await Promise.all(
      [`DEVRELOAD_INSTANCE=${tag}0`, `DEVRELOAD_INSTANCE=${tag.slice(0, -1)}`, `DEVRELOAD_INSTANCE=${secret}`, `DEVRELOAD_INSTANCE=${secret}.`,
        `X_DEVRELOAD_INSTANCE=${tag}`, `OTHER=DEVRELOAD_INSTANCE=${tag}`, `DEVRELOAD_INSTANCE=${randomBytes(16).toString('hex')}.1`].map(stranger),
    );

    const signalled = await instance.signal('SIGTERM');
    expect(signalled).toEqual(expect.arrayContaining([instance.pid, daemon]));
    expect(signalled.filter((pid) => lookalikes.includes(pid))).toEqual([]);
    await withTimeout(instance.gone, 'gone');
    expect(await isLive(daemon)).toBe(false);
    const alive = await Promise.all(lookalikes.map(isLive));
    expect(alive.every(Boolean), `lookalikes still alive: ${JSON.stringify(alive)}`).toBe(true);
  });

  it.skipIf(unavailable)('keeps gone pending while the daemon lives on after the whole tree exited', async () => {
    const instance = await startInstance({ ...doubleFork(), cwd: dir, env: { ...process.env }, tableSource });
    instances.push(instance);
    const { pid: daemon } = await report(dir, 'daemon.json');
    extra.push(daemon);
    await report(dir, 'middle.json');
    process.kill(-instance.pid, 'SIGKILL');
    await instance.exited;
    const settled = await Promise.race([instance.gone.then(() => 'gone'), new Promise((done) => setTimeout(() => done('pending'), 300))]);
    expect(settled).toBe('pending');
    expect(await instance.signal('SIGKILL')).toEqual([daemon]);
    await withTimeout(instance.gone, 'gone');
  });
});

describe('startInstance: tags', () => {
  it('gives each instance its own tag, and the app’s own DEVRELOAD_INSTANCE (a devreload inside an app) is replaced', async () => {
    const first = await startInstance({ ...node('forever.js', join(dir, 'a.json')), cwd: dir, env: { ...process.env, DEVRELOAD_INSTANCE: 'outer.1' } });
    instances.push(first);
    const second = await startInstance({ ...node('forever.js', join(dir, 'b.json')), cwd: dir, env: { ...process.env } });
    instances.push(second);
    await report(dir, 'a.json');
    await report(dir, 'b.json');
    expect(await tagOf(first.pid)).toBe(first.tag);
    expect(await tagOf(second.pid)).toBe(second.tag);
    expect(first.tag).not.toBe(second.tag);
    expect((await environ(first.pid)).filter((entry) => entry.startsWith('DEVRELOAD_INSTANCE='))).toHaveLength(1);
  });
});
