import { execFile } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { isExpected } from '../errors.js';
import { readProcStat } from './proc-stat.js';

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

export async function readProcessTable(source: TableSource = defaultTableSource()): Promise<ProcessEntry[]> {
  return source === 'proc' ? readProc() : readPs();
}

// Synchronous on purpose: a few hundred tiny pseudo-files read faster in one go than
// through the thread pool, and the table is a snapshot anyway.
function readProc(): ProcessEntry[] {
  const entries: ProcessEntry[] = [];
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    // Undefined: the process exited (or is hidden from us) between readdir and read, so it is not ours.
    const stat = readProcStat(Number(name));
    if (stat === undefined) continue;
    entries.push({
      pid: stat.pid,
      ppid: stat.ppid,
      pgid: stat.pgrp,
      sid: stat.session,
      zombie: isDeadState(stat.state),
      startTime: stat.startTime,
    });
  }
  return entries;
}

function readPs(): Promise<ProcessEntry[]> {
  return new Promise((resolve, reject) => {
    // Only keywords that POSIX, procps, macOS and the BSDs all know.
    execFile(
      'ps',
      ['-A', '-o', 'pid=,ppid=,pgid=,stat='],
      { maxBuffer: 64 * 1024 * 1024, env: { ...process.env, LC_ALL: 'C' } },
      (error, stdout) => {
        if (error === null) {
          resolve(parsePsOutput(stdout));
        } else if (isExpected(error, 'notFound')) {
          reject(new Error('cannot read the process table: /proc is not available and `ps` was not found on PATH'));
        } else {
          reject(new Error(`cannot read the process table: \`ps -A -o pid=,ppid=,pgid=,stat=\` failed: ${error.message}`, { cause: error }));
        }
      },
    );
  });
}

/** Parses `ps -A -o pid=,ppid=,pgid=,stat=` output; exported for tests. */
export function parsePsOutput(stdout: string): ProcessEntry[] {
  const entries: ProcessEntry[] = [];
  for (const line of stdout.split('\n')) {
    const [pidText, ppidText, pgidText, state] = line.trim().split(/\s+/);
    if (pidText === undefined || ppidText === undefined || pgidText === undefined || state === undefined) continue;
    const pid = Number(pidText);
    const ppid = Number(ppidText);
    const pgid = Number(pgidText);
    if (![pid, ppid, pgid].every(Number.isInteger)) continue;
    entries.push({ pid, ppid, pgid, sid: undefined, zombie: isDeadState(state), startTime: undefined });
  }
  return entries;
}

// Z = zombie; X (and old kernels' x) = dead, about to disappear.
function isDeadState(state: string): boolean {
  const first = state[0];
  return first === 'Z' || first === 'X' || first === 'x';
}
