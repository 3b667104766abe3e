import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { afterEach, describe, expect, it } from 'vitest';
import { groupAlive, processAlive, sendSignal, signalMembers } from '../../src/process/signal.js';
import type { ProcessEntry } from '../../src/process/table.js';

const spawned: ChildProcess[] = [];

afterEach(() => {
  for (const child of spawned.splice(0)) {
    for (const target of [-(child.pid ?? 0), child.pid ?? 0]) {
      try {
        if (target !== 0) process.kill(target, 'SIGKILL');
      } catch {
        // already gone
      }
    }
  }
});

/** A `sleep` leading a group (and session) of its own. */
async function groupLeader(): Promise<ChildProcess & { pid: number }> {
  const child = spawn('sleep', ['30'], { detached: true, stdio: 'ignore' });
  spawned.push(child);
  await once(child, 'spawn');
  if (child.pid === undefined) throw new Error('no pid');
  return child as ChildProcess & { pid: number };
}

/** Kills and reaps `child`: afterwards its pid no longer exists (ESRCH). */
async function reaped(child: ChildProcess): Promise<void> {
  const exit = once(child, 'exit');
  child.kill('SIGKILL');
  await exit;
}

const entry = (pid: number, pgid: number): ProcessEntry => ({ pid, ppid: process.pid, pgid, sid: pgid, zombie: false, startTime: undefined });

describe('sendSignal', () => {
  it('delivers the signal and reports it', async () => {
    const child = await groupLeader();
    const exit = once(child, 'exit');
    expect(sendSignal(child.pid, 'SIGTERM')).toBe(true);
    expect((await exit)[1]).toBe('SIGTERM');
  });

  it('reports a process that is already gone (ESRCH) as not signalled, without throwing', async () => {
    const child = await groupLeader();
    await reaped(child);
    expect(sendSignal(child.pid, 'SIGTERM')).toBe(false);
    expect(sendSignal(-child.pid, 'SIGTERM')).toBe(false);
  });
});

describe('groupAlive and processAlive', () => {
  it('are true while the group leader runs and false once it is reaped', async () => {
    const child = await groupLeader();
    expect([groupAlive(child.pid), processAlive(child.pid)]).toEqual([true, true]);
    await reaped(child);
    expect([groupAlive(child.pid), processAlive(child.pid)]).toEqual([false, false]);
  });

  it('counts another user’s process as alive (EPERM): its folders are not ours to remove', () => {
    // init: root's, so EPERM unless the tests run as root, when it is simply alive.
    expect(processAlive(1)).toBe(true);
  });
});

describe('signalMembers', () => {
  it('signals the group once and every escaped member by pid', async () => {
    const leader = await groupLeader();
    const escaped = await groupLeader();
    const exits = [once(leader, 'exit'), once(escaped, 'exit')];
    const signalled = signalMembers(leader.pid, [entry(leader.pid, leader.pid), entry(escaped.pid, escaped.pid)], 'SIGTERM', true);
    expect(signalled).toEqual([leader.pid, escaped.pid]);
    expect((await Promise.all(exits)).map(([, signal]) => signal)).toEqual(['SIGTERM', 'SIGTERM']);
  });

  it('leaves the group id alone once the leader exited and the scan shows nobody in it (the id may be reused)', async () => {
    // A live group standing in for a stranger that reused the id: it must not be signalled.
    const stranger = await groupLeader();
    const exit = once(stranger, 'exit').then(() => 'killed');
    expect(signalMembers(stranger.pid, [], 'SIGTERM', false)).toEqual([]);
    // A delivered SIGTERM ends `sleep` within milliseconds.
    const window = new Promise((resolve) => setTimeout(() => resolve('alive'), 200));
    expect(await Promise.race([exit, window])).toBe('alive');
  });

  it('skips members that are already gone', async () => {
    const leader = await groupLeader();
    const escaped = await groupLeader();
    await reaped(escaped);
    const exit = once(leader, 'exit');
    expect(signalMembers(leader.pid, [entry(leader.pid, leader.pid), entry(escaped.pid, escaped.pid)], 'SIGKILL', true)).toEqual([leader.pid]);
    expect((await exit)[1]).toBe('SIGKILL');
  });
});
