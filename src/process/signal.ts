import { isExpected } from '../errors.js';
import type { ProcessEntry } from './table.js';
import { outsideGroup } from './tree.js';

// Every kill(2) of the process layer goes through this file, so "already gone" is handled the
// same way everywhere.

/**
 * Sends `signal` to the leader's process group and to every collected process that left
 * it. `members` must come from a scan taken just before (identity already checked by
 * startTime). Returns the pids that were signalled.
 */
export function signalMembers(
  leader: number,
  members: readonly ProcessEntry[],
  signal: NodeJS.Signals,
  leaderAlive: boolean,
): number[] {
  const signalled: number[] = [];
  const inGroup = members.filter((entry) => entry.pgid === leader);
  // Once the leader is reaped and its group is empty, the id is free for reuse: only
  // signal the group while the leader lives or the scan still shows members in it.
  if ((leaderAlive || inGroup.length > 0) && sendSignal(-leader, signal)) {
    signalled.push(...(inGroup.length > 0 ? inGroup.map((entry) => entry.pid) : [leader]));
  }
  for (const escaped of outsideGroup(members, leader)) {
    if (sendSignal(escaped.pid, signal)) signalled.push(escaped.pid);
  }
  return signalled;
}

/** `process.kill` that treats ESRCH (already gone) as a normal outcome: returns false. */
export function sendSignal(target: number, signal: NodeJS.Signals): boolean {
  try {
    process.kill(target, signal);
    return true;
  } catch (error) {
    if (isExpected(error, 'processGone')) return false;
    throw error;
  }
}

/**
 * True while a process of ours is in the group `pgid` (signal 0 checks, sends nothing).
 * kill(2) on a group fails with EPERM only when none of its members is ours: a reused id,
 * not our app.
 */
export function groupAlive(pgid: number): boolean {
  try {
    process.kill(-pgid, 0);
    return true;
  } catch (error) {
    if (isExpected(error, 'processGone') || isExpected(error, 'notPermitted')) return false;
    throw error;
  }
}

/**
 * True while a process `pid` exists, ours or another user's (signal 0 checks, sends nothing; EPERM
 * is another user's). Only ESRCH says it is gone: what this guards (a run's folder) is left alone
 * on any other error.
 */
export function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return !isExpected(error, 'processGone');
  }
}
