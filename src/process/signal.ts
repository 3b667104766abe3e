import { isExpected } from '../errors.js';
import type { ProcessEntry } from './table.js';
import { outsideGroup } from './tree.js';

// Every kill(2) of the process layer goes through this file, so "already gone" is handled the
// same way everywhere, and no call can address more than the process or group it names.

/**
 * An id that names one process (or, negated, one group): kill(2) reads 0 as our own process
 * group and -1 as every process we may signal, and 1 is init.
 */
function isProcessId(value: number): boolean {
  return Number.isInteger(value) && value > 1;
}

/**
 * Throws before anything is signalled when `value` is not what `call` takes. Such a value is a bug
 * of devreload's (a pid read before it was written), never user input: a test once passed pid 0
 * to a kill and SIGKILLed its own process group, the whole test run.
 */
function checkId(call: string, value: number, orGroup = false): void {
  if (isProcessId(value) || (orGroup && isProcessId(-value))) return;
  const expected = orGroup ? 'a process id above 1, or a group as -pgid below -1' : 'a process id above 1';
  throw new Error(`devreload bug: ${call}(${value}) refused, nothing signalled: expected ${expected} (0, -1 and 1 address our own process group, every process, init)`);
}

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
  checkId('signalMembers', leader);
  const escaped = outsideGroup(members, leader);
  for (const entry of escaped) checkId('signalMembers', entry.pid);
  const signalled: number[] = [];
  const inGroup = members.filter((entry) => entry.pgid === leader);
  // Once the leader is reaped and its group is empty, the id is free for reuse: only
  // signal the group while the leader lives or the scan still shows members in it.
  if ((leaderAlive || inGroup.length > 0) && sendSignal(-leader, signal)) {
    signalled.push(...(inGroup.length > 0 ? inGroup.map((entry) => entry.pid) : [leader]));
  }
  for (const entry of escaped) {
    if (sendSignal(entry.pid, signal)) signalled.push(entry.pid);
  }
  return signalled;
}

/** `process.kill` of a pid or a group (-pgid) that treats ESRCH (already gone) as a normal outcome: returns false. */
export function sendSignal(target: number, signal: NodeJS.Signals): boolean {
  checkId('sendSignal', target, true);
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
  checkId('groupAlive', pgid);
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
  checkId('processAlive', pid);
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return !isExpected(error, 'processGone');
  }
}

/**
 * A run's leftover (a folder named for the devreload that made it) may be removed: `pid` names a
 * process, not this one, and none runs under it (another user's counts as running).
 */
export function runGone(pid: number): boolean {
  return isProcessId(pid) && pid !== process.pid && !processAlive(pid);
}
