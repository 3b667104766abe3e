import type { Logger } from '../log/logger.js';
import { readProcStat } from '../process/proc-stat.js';
import { groupAlive, processAlive } from '../process/signal.js';
import { defaultTableSource, readProcessTable } from '../process/table.js';

/**
 * devreload stops when whatever started it goes away (issue 25). A task runner, a process manager
 * or `kill <pid>` often stops `npm run dev` by signalling npm alone, and neither npm nor a script
 * shell passes it on for sure: npm forwards SIGTERM to its `sh -c` (dash, which does not exec the
 * script's command, dies of it and tells devreload nothing), and a SIGKILLed npm forwards nothing,
 * leaving that shell, devreload, the app and its port behind.
 *
 * There is no event for another process's exit short of a native addon (prctl(PR_SET_PDEATHSIG),
 * pidfd), so this looks every `everyMs`: its parent by process.ppid, which changes when the parent
 * exits (to 1, or to a subreaper such as `systemd --user`, `tini`, tmux), and every further
 * ancestor in devreload's own process group by kill(pid, 0). The group's leader is the top of the
 * job devreload runs in (npm, pnpm, make, a script): it dies alone when it is SIGKILLed, while the
 * shell between it and devreload survives and devreload's own parent stays the same. Its pid is
 * not reused while the group exists, so kill(0) cannot be fooled by a newer process.
 *
 * A run that leads its own process group is left alone: it is a job of its own (typed in a
 * terminal, `devreload … &`, `nohup devreload … &`, `setsid`, `set -m` in a script, a spawn with
 * `detached: true`), so a signal meant to stop it reaches devreload itself, and its parent's exit
 * is no request to stop. nohup itself cannot be seen: Node resets an inherited SIG_IGN to the
 * default action at start-up, so SigIgn in /proc/self/status no longer shows SIGHUP.
 */

/** devreload's own place in the process table. */
export interface Self {
  readonly pid: number;
  readonly ppid: number;
  readonly pgid: number;
}

/** A process's parent and group, or undefined when the table does not have it. */
export type Lookup = (pid: number) => { readonly ppid: number; readonly pgid: number } | undefined;

/** No job is that deep; a bound against a table read while it changed (a cycle). */
const maxDepth = 64;

/**
 * The processes whose exit ends the run, nearest first: the parent, then each further ancestor
 * that is in devreload's process group, up to the group's leader. Empty when devreload leads its
 * own group (detached) or when its parent is init: nothing to follow.
 */
export function ancestorsToWatch(self: Self, lookup: Lookup): number[] {
  if (self.pgid === self.pid || self.ppid <= 1) return [];
  const chain = [self.ppid];
  let current = lookup(self.ppid);
  // Only ancestors in devreload's own group: a pipeline's first command leads the group without
  // being an ancestor, and its exit (end of input) is no reason to stop.
  while (current !== undefined && current.pgid === self.pgid && current.ppid > 1 && chain.length < maxDepth) {
    const above = lookup(current.ppid);
    if (above === undefined || above.pgid !== self.pgid || chain.includes(current.ppid)) break;
    chain.push(current.ppid);
    current = above;
  }
  return chain;
}

/** Reads devreload's ancestry: /proc one process at a time, or one `ps` table where there is no /proc. */
async function readAncestry(): Promise<{ self: Self; lookup: Lookup } | undefined> {
  if (defaultTableSource() === 'proc') {
    const stat = readProcStat('self');
    if (stat === undefined) return undefined;
    const lookup: Lookup = (pid) => {
      const found = readProcStat(pid);
      return found === undefined ? undefined : { ppid: found.ppid, pgid: found.pgrp };
    };
    return { self: { pid: stat.pid, ppid: stat.ppid, pgid: stat.pgrp }, lookup };
  }
  const table = await readProcessTable('ps');
  const byPid = new Map(table.map((entry) => [entry.pid, entry]));
  const own = byPid.get(process.pid);
  if (own === undefined) return undefined;
  return { self: { pid: own.pid, ppid: own.ppid, pgid: own.pgid }, lookup: (pid) => byPid.get(pid) };
}

export interface ParentWatchHandlers {
  /** Called once, with the pid of the first watched process found gone. */
  gone(pid: number): void;
  /** What is followed, nearest first, once known; empty: nothing (devreload leads its own group, or its parent is init). */
  following(pids: readonly number[]): void;
  /** What could not be read (the watch then follows the parent alone). */
  error(error: unknown): void;
}

/** What the supervisor does with what the watch finds: `gone` stops everything; the rest is said with --verbose. */
export function parentHandlers(logger: Logger, gone: () => void): ParentWatchHandlers {
  return {
    gone: (pid) => {
      logger.verbose(`pid ${pid} exited: devreload's parent, or the top of the job it runs in`);
      gone();
    },
    following: (pids) =>
      logger.verbose(
        pids.length === 0
          ? 'not following the parent: devreload leads its own process group (or its parent is init)'
          : `stopping if pid ${pids.join(' or ')} exits (the parent and the job devreload runs in)`,
      ),
    error: (error) => logger.verbose(`following the parent alone: ${String(error)}`),
  };
}

/** Starts following devreload's parent and job, looking every `everyMs`; returns the disposer (idempotent). */
export function watchParent(everyMs: number, handlers: ParentWatchHandlers): () => void {
  // Taken now: a parent that exits while the table is read must still count as a change.
  const parent = process.ppid;
  let chain: readonly number[] = [];
  let timer: NodeJS.Timeout | undefined;
  let disposed = false;
  const dispose = () => {
    disposed = true;
    clearInterval(timer);
  };
  const check = () => {
    const gone = process.ppid !== parent ? parent : chain.slice(1).find((pid) => !processAlive(pid));
    if (gone === undefined) return;
    dispose();
    handlers.gone(gone);
  };
  const start = (watched: readonly number[]) => {
    if (disposed) return;
    handlers.following(watched);
    if (watched.length === 0) return;
    chain = watched;
    // Unref'd: it must never be what keeps devreload running.
    timer = setInterval(check, everyMs).unref();
    check();
  };
  // A group leader needs no table (kill(-pid, 0) reaches its own group only if it leads one),
  // nor does a container's init (pid 1, a group id no kill may name): neither has a job to follow.
  if (process.pid === 1 || groupAlive(process.pid)) {
    queueMicrotask(() => start([]));
    return dispose;
  }
  const parentOnly = parent <= 1 ? [] : [parent];
  readAncestry().then(
    (found) => start(found === undefined ? parentOnly : ancestorsToWatch({ ...found.self, ppid: parent }, found.lookup)),
    (error: unknown) => {
      handlers.error(error);
      start(parentOnly);
    },
  );
  return dispose;
}
