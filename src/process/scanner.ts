import { groupAlive } from './signal.js';
import { readProcessTable, type ProcessEntry, type TableSource, type TagQuery } from './table.js';
import { collectInstance, outsideGroup } from './tree.js';

export interface ScannerOptions {
  /** Where the table comes from; the platform default when undefined. */
  tableSource?: TableSource | undefined;
  /** Called once for each process a scan finds outside the leader's group (setsid). */
  onEscaped?: ((pid: number, startTime: string | undefined) => void) | undefined;
  /** The instance's tag: processes carrying it belong to the instance wherever they are. */
  tag?: TagQuery | undefined;
}

/**
 * Returns a scan of the instance led by `leader`: every live process in its group or session,
 * their descendants, every process that left the group and was seen by an earlier scan —
 * once its parent dies it is reparented to init and a ppid walk can't find it any more — and
 * every process carrying the instance's tag (a double fork leaves nothing else to find it by).
 */
export function instanceScanner(leader: number, options: ScannerOptions = {}): () => Promise<ProcessEntry[]> {
  let known = new Map<number, string | undefined>();
  const fullScan = async (): Promise<ProcessEntry[]> => {
    const table = await readProcessTable(options.tableSource, options.tag);
    // devreload itself is never part of the app, whatever the table says.
    const members = collectInstance(table, leader, { known, exclude: [process.pid] });
    // Rebuilt, not merged: a remembered pid that vanished must not match a later reuse
    // (ps gives no startTime to tell them apart).
    const escaped = outsideGroup(members, leader);
    for (const entry of escaped) if (!known.has(entry.pid)) options.onEscaped?.(entry.pid, entry.startTime);
    known = new Map(escaped.map((entry) => [entry.pid, entry.startTime]));
    return members;
  };
  return async () => {
    try {
      return await fullScan();
    } catch {
      // Any failure to read a table (no /proc and no ps, ps failing) lands here on purpose:
      // the group is still reachable by its id, so the app itself can always be stopped;
      // only escaped descendants are lost then.
      return groupAlive(leader) ? [{ pid: leader, ppid: process.pid, pgid: leader, sid: leader, zombie: false, startTime: undefined }] : [];
    }
  };
}
