import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { instanceScanner } from '../../src/process/scanner.js';
import type { ProcessEntry } from '../../src/process/table.js';
import { fixture, killAll, node, report, waitDead } from './helpers.js';

let dir = '';
const cleanup: number[] = [];

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'devreload-scanner-'));
});

afterEach(async () => {
  killAll(cleanup.splice(0));
  vi.unstubAllEnvs();
  await rm(dir, { recursive: true, force: true });
});

const exits = new Map<number, Promise<unknown>>();

/** Starts `node script ...args` as the leader of a group and session of its own, like an app. */
async function startLeader(script: string, ...args: string[]): Promise<number> {
  const { command, args: argv } = node(script, ...args);
  const child = spawn(command, argv, { detached: true, stdio: 'ignore' });
  await once(child, 'spawn');
  if (child.pid === undefined) throw new Error('no pid');
  cleanup.push(-child.pid);
  // Node reaps the leader before 'exit': until then its zombie keeps the group id in use.
  exits.set(child.pid, once(child, 'exit'));
  return child.pid;
}

/** leader -(same group)-> child -(setsid)-> grandchild, all reported in `dir`. */
async function escapingChain(...grandchildFlags: string[]): Promise<{ leader: number; child: number; grandchild: number }> {
  const leader = await startLeader('spawn-child.js', join(dir, 'leader.json'), 'group', 'stay', fixture('spawn-child.js'), join(dir, 'child.json'),
    'detached', 'stay', fixture('forever.js'), join(dir, 'grandchild.json'), ...grandchildFlags);
  const { pid: child } = await report(dir, 'child.json');
  const { pid: grandchild } = await report(dir, 'grandchild.json');
  cleanup.push(-grandchild);
  return { leader, child, grandchild };
}

const pids = (entries: readonly ProcessEntry[]) => entries.map((entry) => entry.pid).sort((a, b) => a - b);

describe('instanceScanner', () => {
  it('finds the group and a setsid grandchild, reports the escaped one once, and never lists devreload', async () => {
    const { leader, child, grandchild } = await escapingChain();
    const escaped: number[] = [];
    const scan = instanceScanner(leader, { tableSource: 'proc', onEscaped: (pid) => escaped.push(pid) });
    const first = await scan();
    expect(pids(first)).toEqual([leader, child, grandchild].sort((a, b) => a - b));
    expect(first.map((entry) => entry.pid)).not.toContain(process.pid);
    await scan();
    expect(escaped).toEqual([grandchild]);
  });

  it('remembers an escaped grandchild after its parent died, and forgets it once it is gone', async () => {
    const { leader, child, grandchild } = await escapingChain();
    const scan = instanceScanner(leader, { tableSource: 'proc' });
    expect(pids(await scan())).toContain(grandchild);
    process.kill(-leader, 'SIGKILL');
    await exits.get(leader);
    await waitDead(dir, child);
    // Reparented to init, in no group of the app's: only the earlier scan leads to it.
    expect(pids(await scan())).toEqual([grandchild]);
    process.kill(grandchild, 'SIGKILL');
    await waitDead(dir, grandchild);
    expect(await scan()).toEqual([]);
  });

  it('falls back to the group id when no process table can be read (no /proc, no ps)', async () => {
    const leader = await startLeader('forever.js', join(dir, 'app.json'));
    await report(dir, 'app.json');
    // 'ps' with nothing on PATH: the table read fails as it does on a system without both.
    vi.stubEnv('PATH', join(dir, 'no-such-bin'));
    const scan = instanceScanner(leader, { tableSource: 'ps' });
    expect(await scan()).toEqual([{ pid: leader, ppid: process.pid, pgid: leader, sid: leader, zombie: false, startTime: undefined }]);
    vi.unstubAllEnvs();
    process.kill(-leader, 'SIGKILL');
    await exits.get(leader);
    vi.stubEnv('PATH', join(dir, 'no-such-bin'));
    expect(await scan()).toEqual([]);
  });
});
