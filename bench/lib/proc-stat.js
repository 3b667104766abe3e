// Footprint of a process tree read from /proc (Linux only): CPU time from /proc/<pid>/stat
// (utime + stime, fields 14 and 15, in clock ticks) and memory from /proc/<pid>/status.
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';

/** Clock ticks per second (USER_HZ); 100 on every mainstream Linux, asked anyway. */
export const CLOCK_TICKS = (() => {
  try {
    return Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
  } catch {
    return 100;
  }
})();

function statFields(pid) {
  const stat = readFileSync(`/proc/${pid}/stat`, 'latin1');
  // comm may contain spaces and parentheses: fields restart after the last ')'.
  return stat.slice(stat.lastIndexOf(')') + 2).split(' ');
}

/** utime + stime of `pid` in clock ticks; 0 if it is gone. */
export function cpuTicks(pid) {
  try {
    const fields = statFields(pid);
    // Field 14 (utime) and 15 (stime) are at 11 and 12 once pid and comm are cut off.
    return Number(fields[11]) + Number(fields[12]);
  } catch {
    return 0;
  }
}

/** { rss, peak } in KiB (VmRSS, VmHWM); zeros if it is gone. */
export function memoryKiB(pid) {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'latin1');
    const field = (name) => Number(new RegExp(`^${name}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? 0);
    return { rss: field('VmRSS'), peak: field('VmHWM') };
  } catch {
    return { rss: 0, peak: 0 };
  }
}

/**
 * Unique set size in KiB (Private_Clean + Private_Dirty of /proc/<pid>/smaps_rollup): the
 * memory only this process holds, what its exit would free. Unlike RSS it does not count the
 * node binary and libraries shared with every other node process; unlike PSS it does not
 * depend on how many other node processes happen to run. 0 if unavailable.
 */
export function ussKiB(pid) {
  try {
    const rollup = readFileSync(`/proc/${pid}/smaps_rollup`, 'latin1');
    const field = (name) => Number(new RegExp(`^${name}:\\s+(\\d+) kB`, 'm').exec(rollup)?.[1] ?? 0);
    return field('Private_Clean') + field('Private_Dirty');
  } catch {
    return 0;
  }
}

/** Every process now: pid → { ppid, session, state } (state 'Z' or 'X': a zombie, gone). */
export function processTable() {
  const table = new Map();
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const fields = statFields(name);
      table.set(Number(name), { ppid: Number(fields[1]), session: Number(fields[3]), state: fields[0] });
    } catch {
      // Exited between readdir and read.
    }
  }
  return table;
}

/** Descendants of `root` (by ppid, zombies included), not including `root`. */
export function descendants(root, table = processTable()) {
  const children = new Map();
  for (const [pid, { ppid }] of table) {
    if (!children.has(ppid)) children.set(ppid, []);
    children.get(ppid).push(pid);
  }
  const found = [];
  const queue = [...(children.get(root) ?? [])];
  while (queue.length > 0) {
    const pid = queue.shift();
    found.push(pid);
    queue.push(...(children.get(pid) ?? []));
  }
  return found;
}
