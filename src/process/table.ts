import { readdirSync } from 'node:fs';
import { isExpected } from '../errors.js';
import { procEnvironHas, psWordsHaveEntry } from './environ.js';
import { readProcStat } from './proc-stat.js';
import { run } from './run.js';

/** One row of the OS process table: just what is needed to find an app's processes. */
export interface ProcessEntry {
  pid: number;
  ppid: number;
  pgid: number;
  /** Session id; undefined when the source cannot tell (ps: `sess` is not portable). */
  sid: number | undefined;
  /** State Z (or X, dead): the process has exited and counts as gone. */
  zombie: boolean;
  /** Identity guard against pid reuse (/proc stat field 22); undefined from ps. */
  startTime: string | undefined;
  /** Its environment holds the asked-for tag entry (only set when a `TagQuery` was given). */
  tagged?: boolean;
}

/** Which processes carry an instance's tag (instance-tag.ts), asked along with the table. */
export interface TagQuery {
  /** The whole `NAME=value` environment entry, matched exactly. */
  entry: string;
  /**
   * Start time (/proc stat field 22) of the instance's leader: a process started earlier
   * cannot descend from it, so its environment is not read. Undefined: read every one.
   */
  since: string | undefined;
}

export type TableSource = 'proc' | 'ps';

const SOURCE_ENV = 'DEVRELOAD_PROCESS_TABLE';

/**
 * 'proc' when /proc/self/stat is readable, else 'ps'.
 * Env DEVRELOAD_PROCESS_TABLE=ps|proc overrides (tests use it to exercise ps on Linux).
 */
export function defaultTableSource(): TableSource {
  const forced = process.env[SOURCE_ENV];
  if (forced === 'ps' || forced === 'proc') return forced;
  return readProcStat('self') === undefined ? 'ps' : 'proc';
}

export async function readProcessTable(source: TableSource = defaultTableSource(), tag?: TagQuery): Promise<ProcessEntry[]> {
  return source === 'proc' ? readProc(tag) : readPs(tag);
}

// Synchronous on purpose: a few hundred tiny pseudo-files read faster in one go than
// through the thread pool, and the table is a snapshot anyway.
function readProc(tag: TagQuery | undefined): ProcessEntry[] {
  const entries: ProcessEntry[] = [];
  const since = tag?.since === undefined ? undefined : Number(tag.since);
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    // Undefined: the process exited (or is hidden from us) between readdir and read, so it is not ours.
    const stat = readProcStat(Number(name));
    if (stat === undefined) continue;
    const zombie = isDeadState(stat.state);
    const entry: ProcessEntry = { pid: stat.pid, ppid: stat.ppid, pgid: stat.pgrp, sid: stat.session, zombie, startTime: stat.startTime };
    // Only the environments of processes young enough to be the instance's are read: on a
    // busy machine that is a handful of files, not hundreds.
    if (tag !== undefined) entry.tagged = !zombie && (since === undefined || Number(stat.startTime) >= since) && procEnvironHas(stat.pid, tag.entry);
    entries.push(entry);
  }
  return entries;
}

// Only keywords that POSIX, procps, macOS and the BSDs all know.
const PS_COLUMNS = 'pid=,ppid=,pgid=,stat=';

/**
 * ps's flag that appends each process's environment to `args`, by platform: procps `e`
 * (Linux), `-E` on macOS, `-e` on the BSDs. ps shows only the environments of our own
 * processes (macOS: only while their argument area is intact); busybox has no such flag.
 */
export function psEnvironFlag(platform: NodeJS.Platform = process.platform): string | undefined {
  if (platform === 'linux') return 'e';
  if (platform === 'darwin') return '-E';
  if (platform === 'freebsd' || platform === 'openbsd' || platform === 'netbsd') return '-e';
  return undefined;
}

// Set once a ps refused the environment flag (busybox): tags go unseen, the table does not.
let psEnvironRefused = false;

async function readPs(tag: TagQuery | undefined): Promise<ProcessEntry[]> {
  const flag = psEnvironFlag();
  if (tag !== undefined && flag !== undefined && !psEnvironRefused) {
    // -ww: no width limit, or the environment (and the tag) is cut at the terminal's width.
    const args = ['-A', '-ww', flag, '-o', `${PS_COLUMNS},args=`];
    try {
      return parsePsOutput(await runPs(args), tag.entry);
    } catch (error) {
      if (isExpected(error, 'notFound')) throw tableError(error);
      psEnvironRefused = true;
    }
  }
  const args = ['-A', '-o', PS_COLUMNS];
  try {
    return parsePsOutput(await runPs(args));
  } catch (error) {
    throw tableError(error);
  }
}

async function runPs(args: readonly string[]): Promise<string> {
  // The table with every environment can be large on a busy machine: 256 MiB before execa gives up.
  const result = await run('ps', args, { buffer: true, maxBuffer: 256 * 1024 * 1024, env: { LC_ALL: 'C' } });
  // The failed result is execa's error (its code is the spawn's errno, ENOENT for no ps).
  if (result.failed) throw result;
  return result.stdout;
}

function tableError(error: unknown): Error {
  if (isExpected(error, 'notFound')) return new Error('cannot read the process table: /proc is not available and `ps` was not found on PATH');
  // execa's one-line account: the command line and its exit code, or the spawn's error.
  const said = (error as { shortMessage?: unknown } | null)?.shortMessage;
  return new Error(`cannot read the process table: ${typeof said === 'string' ? said : String(error)}`, { cause: error });
}

/**
 * Parses `ps -A -o pid=,ppid=,pgid=,stat=` output; exported for tests. With `tagEntry`, the
 * words after those columns (args and the environment ps appends) are searched for it.
 */
export function parsePsOutput(stdout: string, tagEntry?: string): ProcessEntry[] {
  const entries: ProcessEntry[] = [];
  for (const line of stdout.split('\n')) {
    const [pidText, ppidText, pgidText, state, ...words] = line.trim().split(/\s+/);
    if (pidText === undefined || ppidText === undefined || pgidText === undefined || state === undefined) continue;
    const pid = Number(pidText);
    const ppid = Number(ppidText);
    const pgid = Number(pgidText);
    if (![pid, ppid, pgid].every(Number.isInteger)) continue;
    const entry: ProcessEntry = { pid, ppid, pgid, sid: undefined, zombie: isDeadState(state), startTime: undefined };
    if (tagEntry !== undefined) entry.tagged = !entry.zombie && psWordsHaveEntry(words, tagEntry);
    entries.push(entry);
  }
  return entries;
}

// Z = zombie; X (and old kernels' x) = dead, about to disappear.
function isDeadState(state: string): boolean {
  const first = state[0];
  return first === 'Z' || first === 'X' || first === 'x';
}
