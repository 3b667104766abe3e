import { execFileSync } from 'node:child_process';
import { readProcStat } from '../process/proc-stat.js';
import { defaultTableSource } from '../process/table.js';

/**
 * Whether this process's group owns its controlling terminal now (a background job that reads
 * the terminal is stopped by SIGTTIN). Linux reads /proc/self/stat (tpgid vs pgrp); without
 * /proc (macOS, the BSDs, or DEVRELOAD_PROCESS_TABLE=ps) it asks `ps -o tpgid=,pgid=`.
 * No controlling terminal (tpgid -1) counts as foreground: nothing can stop us for reading.
 * When neither source answers, false: an unread terminal is better than a stopped devreload.
 */
export function inForeground(): boolean {
  if (defaultTableSource() === 'proc') {
    const self = readProcStat('self');
    if (self !== undefined) return self.tpgid === -1 || self.tpgid === self.pgrp;
  }
  return psForeground();
}

function psForeground(): boolean {
  try {
    const out = execFileSync('ps', ['-o', 'tpgid=,pgid=', '-p', String(process.pid)], {
      encoding: 'utf8',
      env: { ...process.env, LC_ALL: 'C' },
      stdio: ['ignore', 'pipe', 'ignore'],
      timeout: 2000,
    });
    const [tpgid, pgid] = out.trim().split(/\s+/).map(Number);
    if (tpgid === undefined || pgid === undefined || !Number.isInteger(tpgid) || !Number.isInteger(pgid)) return false;
    // procps prints -1 for no terminal; macOS prints 0.
    return tpgid <= 0 || tpgid === pgid;
  } catch {
    return false;
  }
}
