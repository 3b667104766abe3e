import type { ProcessEntry } from './table.js';

export interface CollectOptions {
  /** Pids found by earlier scans (pid → startTime): orphans a ppid walk can no longer reach. */
  known?: ReadonlyMap<number, string | undefined>;
  /** Pids never to include nor walk through (devreload itself). */
  exclude?: readonly number[];
}

/**
 * Every live (non-zombie) process of the instance led by `leader`: members of its process
 * group or its session, plus (transitively, by ppid) every descendant of any of those —
 * including descendants that moved to their own group/session (setsid/detached) — plus
 * every pid in `known` that is still present with the same startTime, every process
 * carrying the instance's tag (`tagged`: a daemon that double-forked away from all of the
 * above), and their descendants. Never includes `exclude` pids (devreload itself).
 */
export function collectInstance(
  table: readonly ProcessEntry[],
  leader: number,
  options: CollectOptions = {},
): ProcessEntry[] {
  const excluded = new Set(options.exclude ?? []);
  const childrenOf = new Map<number, ProcessEntry[]>();
  for (const entry of table) {
    const siblings = childrenOf.get(entry.ppid);
    if (siblings === undefined) childrenOf.set(entry.ppid, [entry]);
    else siblings.push(entry);
  }

  const seeds = table.filter(
    (entry) =>
      entry.pgid === leader ||
      entry.sid === leader ||
      entry.tagged === true ||
      (options.known?.has(entry.pid) === true && options.known.get(entry.pid) === entry.startTime),
  );

  // The visited set is what keeps bad data (a ppid cycle, a pid listed twice) from looping.
  const visited = new Set<number>();
  const found: ProcessEntry[] = [];
  const queue = [...seeds];
  for (let index = 0; index < queue.length; index += 1) {
    const next = queue[index];
    if (next === undefined || visited.has(next.pid) || excluded.has(next.pid)) continue;
    visited.add(next.pid);
    // Walk through zombies (harmless) but never report them: they are already gone.
    if (!next.zombie) found.push(next);
    queue.push(...(childrenOf.get(next.pid) ?? []));
  }
  return found;
}

/** The collected processes that left the leader's process group (one group signal misses them). */
export function outsideGroup(members: readonly ProcessEntry[], leader: number): ProcessEntry[] {
  return members.filter((entry) => entry.pgid !== leader);
}
