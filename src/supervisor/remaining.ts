import { readFileSync } from 'node:fs';
import type { Remaining } from '../core/types.js';
import { isExpected } from '../errors.js';
import { tagEntry } from '../process/instance-tag.js';
import { readProcStat } from '../process/proc-stat.js';
import { run } from '../process/run.js';
import { defaultTableSource, readProcessTable, type TableSource } from '../process/table.js';
import { collectInstance } from '../process/tree.js';

/**
 * What is left of the instance led by `leader` (its group, its session, their descendants and,
 * with its `tag`, every process carrying it: a daemon that double-forked away), with each
 * process's command line: what a stop that takes long is waiting for. Best effort: a table that
 * cannot be read gives an empty list, and the caller says nothing.
 */
export async function remainingProcesses(leader: number, tag: string | undefined, source: TableSource = defaultTableSource()): Promise<Remaining[]> {
  let table;
  try {
    // On /proc only processes started after devreload can carry the tag (not after the leader:
    // by now its pid may be gone, or another process's).
    const since = source === 'proc' ? readProcStat('self')?.startTime : undefined;
    table = await readProcessTable(source, tag === undefined ? undefined : { entry: tagEntry(tag), since });
  } catch {
    return [];
  }
  // The leader first (the app as the user started it), then the rest in pid order.
  const members = collectInstance(table, leader, { exclude: [process.pid] }).sort((a, b) => (a.pid === leader ? -1 : b.pid === leader ? 1 : a.pid - b.pid));
  const pids = members.map((member) => member.pid);
  const commands = source === 'proc' ? procCommands(pids) : await psCommands(pids);
  return pids.flatMap((pid) => {
    const command = commands.get(pid);
    // Gone between the table and the command line: no longer waited for.
    return command === undefined ? [] : [{ pid, command }];
  });
}

function procCommands(pids: readonly number[]): Map<number, string> {
  const commands = new Map<number, string>();
  for (const pid of pids) {
    try {
      const argv = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').filter((arg) => arg !== '');
      // A kernel thread or a zombie in the making has no arguments: its name is all there is.
      commands.set(pid, argv.length > 0 ? argv.join(' ') : `[${readFileSync(`/proc/${pid}/comm`, 'utf8').trim()}]`);
    } catch (error) {
      if (!isExpected(error, 'procEntryGone')) throw error;
    }
  }
  return commands;
}

async function psCommands(pids: readonly number[]): Promise<Map<number, string>> {
  const commands = new Map<number, string>();
  if (pids.length === 0) return commands;
  // `args` and `-p` with a comma list: POSIX, procps, macOS and the BSDs. ps exits 1 when some
  // pid is gone (reject: false); what it printed is still right.
  const { stdout } = await run('ps', ['-o', 'pid=,args=', '-p', pids.join(',')], { buffer: true, env: { LC_ALL: 'C' } });
  for (const line of String(stdout ?? '').split('\n')) {
    const match = /^\s*(\d+)\s+(.*)$/.exec(line);
    if (match?.[1] !== undefined && match[2] !== undefined) commands.set(Number(match[1]), match[2].trim());
  }
  return commands;
}
