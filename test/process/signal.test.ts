import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import { constants } from 'node:os';
import { afterEach, describe, expect, it } from 'vitest';
import { groupAlive, processAlive, runGone, sendSignal, signalMembers } from '../../src/process/signal.js';
import type { ProcessEntry } from '../../src/process/table.js';
import { waitUntil } from '../wait.js';

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

/** The bit of `signal` in a /proc status mask (hex, bit n-1 for signal n). */
function hasSignal(pid: number, field: 'SigBlk' | 'ShdPnd', signal: 'SIGURG'): boolean {
  const mask = new RegExp(`^${field}:\\s*([0-9a-f]+)$`, 'm').exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1];
  if (mask === undefined) throw new Error(`no ${field} in /proc/${pid}/status`);
  return ((BigInt(`0x${mask}`) >> BigInt(constants.signals[signal] - 1)) & 1n) === 1n;
}

/**
 * A `sleep` with SIGURG blocked (coreutils' env --block-signal): a SIGURG sent to it stays
 * pending, where /proc shows it, so a test sees whether one was sent without any timing. In our
 * own process group unless `detached` (then it leads one of its own).
 */
async function urgRecorder(detached: boolean): Promise<ChildProcess & { pid: number }> {
  const child = spawn('env', ['--block-signal=SIGURG', 'sleep', '30'], { detached, stdio: 'ignore' });
  spawned.push(child);
  await once(child, 'spawn');
  const pid = child.pid as number;
  // Once env has blocked it and become sleep: a signal before that would be ignored, unseen.
  await waitUntil(() => hasSignal(pid, 'SigBlk', 'SIGURG'), { describe: () => `pid ${pid} to block SIGURG` });
  return child as ChildProcess & { pid: number };
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

describe('groupAlive, processAlive and runGone', () => {
  it('are true (runGone: false) while the group leader runs, and the other way once it is reaped', async () => {
    const child = await groupLeader();
    expect([groupAlive(child.pid), processAlive(child.pid), runGone(child.pid)]).toEqual([true, true, false]);
    await reaped(child);
    expect([groupAlive(child.pid), processAlive(child.pid), runGone(child.pid)]).toEqual([false, false, true]);
  });

  it('runGone never takes this run, or an id naming no single process, for a gone one', () => {
    for (const pid of [process.pid, 0, 1, -1, Number.NaN]) expect(runGone(pid), String(pid)).toBe(false);
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

// Needs /proc (a signal's pending mask) and GNU coreutils' env --block-signal.
describe.skipIf(process.platform !== 'linux')('ids that address more than one process (a bug of ours, never user input)', () => {
  // The probe is SIGURG, ignored by default: were the guard gone, kill(0) and kill(-1) would
  // disturb nobody, where a SIGKILL would end the test run (as root, every process we may signal).
  const strays = [0, 1, -1, Number.NaN, 1.5, Number.POSITIVE_INFINITY];

  it('sendSignal and signalMembers refuse 0, 1, -1 and non-integers with an error, and send nothing; a pid or group still gets its signal', async () => {
    // kill(0) would reach the first (our own group), kill(-1) both.
    const inOurGroup = await urgRecorder(false);
    const leader = await urgRecorder(true);
    for (const target of strays) expect(() => sendSignal(target, 'SIGURG')).toThrow(`devreload bug: sendSignal(${target}) refused, nothing signalled`);
    for (const target of [...strays, -leader.pid]) expect(() => signalMembers(target, [], 'SIGURG', true)).toThrow(`devreload bug: signalMembers(${target}) refused`);
    // A member misread as pid 0 is refused before the group is signalled.
    expect(() => signalMembers(leader.pid, [entry(leader.pid, leader.pid), entry(0, 0)], 'SIGURG', true)).toThrow('devreload bug: signalMembers(0) refused');
    expect([hasSignal(inOurGroup.pid, 'ShdPnd', 'SIGURG'), hasSignal(leader.pid, 'ShdPnd', 'SIGURG')]).toEqual([false, false]);
    expect([inOurGroup.exitCode, inOurGroup.signalCode, leader.exitCode, leader.signalCode]).toEqual([null, null, null, null]);

    expect(sendSignal(inOurGroup.pid, 'SIGURG')).toBe(true);
    expect(sendSignal(-leader.pid, 'SIGURG')).toBe(true);
    expect([hasSignal(inOurGroup.pid, 'ShdPnd', 'SIGURG'), hasSignal(leader.pid, 'ShdPnd', 'SIGURG')]).toEqual([true, true]);
  });

  it('groupAlive and processAlive refuse them too, and negative ids (a group is not a process)', () => {
    for (const id of [...strays, -2]) {
      expect(() => groupAlive(id)).toThrow(`devreload bug: groupAlive(${id}) refused`);
      expect(() => processAlive(id)).toThrow(`devreload bug: processAlive(${id}) refused`);
    }
    expect(processAlive(process.pid)).toBe(true);
  });
});
