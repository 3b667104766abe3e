import { readdirSync, readFileSync, statSync } from 'node:fs';
import { isExpected } from '../errors.js';
import { readProcStat } from './proc-stat.js';
import { defaultTableSource, type ProcessEntry, type TableSource } from './table.js';
import { collectInstance } from './tree.js';

/** A file by identity: the same whatever path names it (a link, `./x` or `/abs/x`, a bind mount). */
export interface FileId {
  readonly dev: bigint;
  readonly ino: bigint;
}

/** A file an instance's process holds open for writing. */
export interface OpenFile extends FileId {
  readonly pid: number;
}

/** The access mode bits of open(2)'s flags: O_RDONLY 0, O_WRONLY 1, O_RDWR 2. */
const O_ACCMODE = 0o3;

/**
 * The regular files the processes of the instance led by `leader` (its group, its session and
 * their descendants) hold open for writing, each once. Linux only: the fds come from
 * /proc/<pid>/fd and their flags from /proc/<pid>/fdinfo. Where there is no /proc (macOS, the
 * BSDs, DEVRELOAD_PROCESS_TABLE=ps) the list is empty: `lsof` would cost tens of ms on every
 * save, and the name and content rules cover the usual data files there too. Synchronous: it
 * runs on the way from a save to the restart, where a hop through the thread pool costs more
 * than the few hundred µs of reading.
 */
export function openForWriting(leader: number, source: TableSource = defaultTableSource()): OpenFile[] {
  if (source !== 'proc') return [];
  const found = new Map<string, OpenFile>();
  for (const { pid } of collectInstance(youngerTable(leader), leader, { exclude: [process.pid] })) {
    for (const fd of fdsOf(pid)) {
      const id = openFileId(pid, fd);
      if (id === undefined) continue;
      const key = `${id.dev}:${id.ino}`;
      if (!found.has(key) && writable(pid, fd)) found.set(key, { dev: id.dev, ino: id.ino, pid });
    }
  }
  return [...found.values()];
}

/**
 * The process table, less what is older than `leader`: its processes (group, session, their
 * descendants, even those that left them) all started after it. The kernel hands out pids in
 * rising order until it wraps at pid_max, so unless the last pid it handed out is below the
 * leader's (it wrapped since), only the pids above the leader's are read: on a desktop with
 * hundreds of processes, a few files instead of hundreds on every save. After a whole turn of
 * the pid counter in the leader's lifetime, a process it started since is missed: its files
 * restart as they did before this check existed.
 */
function youngerTable(leader: number): ProcessEntry[] {
  const wrapped = (lastPid() ?? 0) < leader;
  const entries: ProcessEntry[] = [];
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name) || (!wrapped && Number(name) < leader)) continue;
    const stat = readProcStat(Number(name));
    if (stat === undefined) continue;
    // Z = zombie; X (and old kernels' x) = dead: no fds to look at, but still a link in the tree.
    const zombie = /^[ZXx]/.test(stat.state);
    entries.push({ pid: stat.pid, ppid: stat.ppid, pgid: stat.pgrp, sid: stat.session, zombie, startTime: stat.startTime });
  }
  return entries;
}

/** The last pid the kernel handed out in this pid namespace; undefined if it does not say. */
function lastPid(): number | undefined {
  try {
    const value = Number(readFileSync('/proc/sys/kernel/ns_last_pid', 'latin1').trim());
    return Number.isInteger(value) ? value : undefined;
  } catch {
    return undefined;
  }
}

function fdsOf(pid: number): string[] {
  try {
    return readdirSync(`/proc/${pid}/fd`);
  } catch (error) {
    if (isExpected(error, 'procEntryGone')) return [];
    throw error;
  }
}

/** The regular file fd `fd` of `pid` refers to (stat follows the magic link, even to a deleted file). */
function openFileId(pid: number, fd: string): FileId | undefined {
  try {
    const stats = statSync(`/proc/${pid}/fd/${fd}`, { bigint: true });
    return stats.isFile() ? stats : undefined;
  } catch (error) {
    // Closed (or the process gone) since the readdir.
    if (isExpected(error, 'procEntryGone')) return undefined;
    throw error;
  }
}

function writable(pid: number, fd: string): boolean {
  let info: string;
  try {
    info = readFileSync(`/proc/${pid}/fdinfo/${fd}`, 'latin1');
  } catch (error) {
    if (isExpected(error, 'procEntryGone')) return false;
    throw error;
  }
  // `flags:\t0100002`: octal, as proc(5) documents.
  const flags = /^flags:\s*([0-7]+)$/m.exec(info)?.[1];
  return flags !== undefined && (Number.parseInt(flags, 8) & O_ACCMODE) !== 0;
}
