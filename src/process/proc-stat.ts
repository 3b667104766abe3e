import { readFileSync } from 'node:fs';
import { isExpected } from '../errors.js';

/** The fields of `/proc/<pid>/stat` devreload uses; proc(5) field numbers in brackets. */
export interface ProcStat {
  /** (1) */
  pid: number;
  /** (2) The command name without its parentheses: up to 15 bytes, any of them ' ' or ')'. */
  comm: string;
  /** (3) R, S, D, Z (zombie), X (dead), T, t, … */
  state: string;
  /** (4) */
  ppid: number;
  /** (5) Process group id. */
  pgrp: number;
  /** (6) Session id. */
  session: number;
  /** (7) Controlling terminal (device number); 0 without one. */
  ttyNr: number;
  /** (8) Foreground process group of the controlling terminal; -1 without one. */
  tpgid: number;
  /**
   * (22) Start time in clock ticks since boot: with the pid, the identity that tells a process
   * from a later one that reused its pid. A string because it is only ever compared.
   */
  startTime: string;
}

// Counted from field 3 (state), the first one after comm.
const STATE = 0;
const PPID = 1;
const PGRP = 2;
const SESSION = 3;
const TTY_NR = 4;
const TPGID = 5;
const STARTTIME = 19;

/** Parses one stat line; undefined when it is not one (a truncated read, another format). */
export function parseProcStat(line: string): ProcStat | undefined {
  // comm may hold spaces and parentheses (`a) S 1 (b` is a valid name), but the kernel
  // prints no ')' after it: comm ends at the LAST one.
  const open = line.indexOf(' (');
  const close = line.lastIndexOf(')');
  if (open < 0 || close < open) return undefined;
  const rest = line.slice(close + 2).split(' ');
  const pid = integer(line.slice(0, open));
  const [ppid, pgrp, session, ttyNr, tpgid] = [PPID, PGRP, SESSION, TTY_NR, TPGID].map((index) => integer(rest[index]));
  const state = rest[STATE];
  const startTime = rest[STARTTIME];
  if (state === undefined || !/^[A-Za-z]$/.test(state) || startTime === undefined || !/^\d+$/.test(startTime)) return undefined;
  if (pid === undefined || ppid === undefined || pgrp === undefined || session === undefined || ttyNr === undefined || tpgid === undefined) {
    return undefined;
  }
  return { pid, comm: line.slice(open + 2, close), state, ppid, pgrp, session, ttyNr, tpgid, startTime };
}

// Number('') is 0: only digits (and tpgid's minus sign) count as a field.
function integer(text: string | undefined): number | undefined {
  return text !== undefined && /^-?\d+$/.test(text) ? Number(text) : undefined;
}

/**
 * Reads and parses `/proc/<pid>/stat`. Undefined when the process is gone or hidden from us,
 * or when there is no /proc at all (macOS, the BSDs); any other failure throws.
 */
export function readProcStat(pid: number | 'self'): ProcStat | undefined {
  let line: string;
  try {
    // latin1 maps every byte to one character: a comm that is not valid UTF-8 cannot shift
    // the fields, and ')' (0x29) never occurs inside a multi-byte UTF-8 character anyway.
    line = readFileSync(`/proc/${pid}/stat`, 'latin1');
  } catch (error) {
    if (isExpected(error, 'procEntryGone')) return undefined;
    throw error;
  }
  return parseProcStat(line);
}
