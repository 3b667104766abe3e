// Which processes are a supervisor's own, as opposed to its app's (Linux, from /proc): the
// supervisor itself, its live descendants and whatever shares a session with them, minus the
// app's subtree and, when the app runs in a session of its own (devreload), that session too —
// so a wrapper above the app such as tsx's CLI counts as the app's. What is left for
// devreload: its watchdog (a node running watchdog-main.js, titled devreload-watchdog, or a
// /bin/sh running watchdog.sh) and, with --prestart, a spare (a node whose argv names
// park.cjs; a woken spare is the app and is excluded as such).
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { cpuTicks, descendants, processTable } from './proc-stat.js';

/** argv of `pid` (from /proc/<pid>/cmdline); [] if it is gone. */
export function argvOf(pid) {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'latin1').split('\0').filter(Boolean);
  } catch {
    return [];
  }
}

/** 'watchdog', 'spare' or 'helper' (anything else of the supervisor's, e.g. a `ps` it runs). */
export function roleOf(argv) {
  // By file name: a directory in a path (a random temp name) must not decide it.
  if (argv.some((arg) => /watchdog/.test(path.basename(arg)))) return 'watchdog';
  if (argv.some((arg) => /park/.test(path.basename(arg)))) return 'spare';
  return 'helper';
}

/**
 * [{ pid, role, argv }]: the supervisor (role 'supervisor') first, then its own live
 * processes; `appPid` is the running app instance (its boot stamp's pid). Own = descendants,
 * plus anything in a session one of them leads or shares (a helper's child that lost its
 * parent stays in its session), minus the app's part.
 */
export function ownProcesses(supervisor, appPid) {
  const table = processTable();
  const app = new Set([appPid, ...descendants(appPid, table)]);
  const appSession = table.get(appPid)?.session;
  const isApp = (pid) => app.has(pid) || (appSession !== table.get(supervisor)?.session && table.get(pid)?.session === appSession);
  const live = (pid) => table.has(pid) && !['Z', 'X'].includes(table.get(pid).state);
  const mine = new Set(descendants(supervisor, table).filter((pid) => live(pid) && !isApp(pid)));
  const sessions = new Set([supervisor, ...mine].map((pid) => table.get(pid)?.session));
  for (const [pid, { session }] of table) {
    if (sessions.has(session) && pid !== supervisor && pid !== process.pid && live(pid) && !isApp(pid)) mine.add(pid);
  }
  return [supervisor, ...mine].map((pid) => {
    const argv = argvOf(pid);
    return { pid, role: pid === supervisor ? 'supervisor' : roleOf(argv), argv };
  });
}

/**
 * Waits (polling, up to `timeoutMs`) until the supervisor has a spare that is parked: it
 * exists and used no CPU over 100 ms. Returns { parked, pid, waitedMs } (pid: the last spare seen).
 */
export async function waitForSpare(supervisor, appPid, timeoutMs = 5000) {
  const started = Date.now();
  let pid = null;
  while (Date.now() - started < timeoutMs) {
    const spare = ownProcesses(supervisor, appPid).find((p) => p.role === 'spare');
    if (spare !== undefined) {
      pid = spare.pid;
      const before = cpuTicks(pid);
      await sleep(100);
      if (cpuTicks(pid) === before && existsSync(`/proc/${pid}`)) return { parked: true, pid, waitedMs: Date.now() - started };
    } else {
      await sleep(50);
    }
  }
  return { parked: false, pid, waitedMs: Date.now() - started };
}
