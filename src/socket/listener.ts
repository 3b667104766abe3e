import { existsSync, readFileSync } from 'node:fs';
import { defaultTableSource, readProcessTable } from '../process/table.js';
import { collectInstance } from '../process/tree.js';
import type { InspectorPorts } from './inspector-ports.js';
import { socketInodesOf } from './proc-fds.js';
import { readTcpTable, readTcpTableSync, TCP_LISTEN, type TcpEntry } from './proc-net.js';

/**
 * Finds the first TCP port an app instance listens on, from the kernel's tables (Linux): the
 * LISTEN rows of /proc/net/tcp and tcp6, matched by socket inode against the files the
 * instance's processes hold open (/proc/<pid>/fd). Nothing is sent to the app.
 *
 * A look reads the two tables; only a LISTEN row not seen before costs more (the leader's open
 * files, and only when it is not the leader's, the process table to find the instance's other
 * processes: `npm run`, `tsx` and `sh -c` start the server as a descendant).
 */
export class ListenerSearch {
  /** LISTEN sockets that are not the instance's: there before it started, or another process's. */
  readonly #others: Set<number>;
  readonly #ephemeral: readonly [number, number] | undefined;

  /**
   * Create it before the instance is spawned: what listens then (and what devreload itself
   * holds, which the instance may inherit) is not the instance listening.
   */
  constructor(private readonly inspector: InspectorPorts) {
    const before = readTcpTableSync() ?? [];
    this.#others = new Set([...before.filter((e) => e.state === TCP_LISTEN).map((e) => e.inode), ...socketInodesOf('self')]);
    this.#ephemeral = inspector.ephemeral ? ephemeralRange() : undefined;
  }

  /** One look: the instance's listening socket, or undefined (not yet, or no /proc). */
  async look(leader: number): Promise<TcpEntry | undefined> {
    const table = await readTcpTable();
    const fresh = (table ?? []).filter((e) => e.state === TCP_LISTEN && e.inode !== 0 && !this.#others.has(e.inode) && !this.#inspectorPort(e.localPort));
    if (fresh.length === 0) return undefined;
    const found = holdsOne(leader, fresh) ?? (await this.#inDescendants(leader, fresh));
    // Not the instance's: another program started listening meanwhile. Never looked at again.
    if (found === undefined) for (const entry of fresh) this.#others.add(entry.inode);
    return found;
  }

  async #inDescendants(leader: number, fresh: readonly TcpEntry[]): Promise<TcpEntry | undefined> {
    const members = collectInstance(await readProcessTable('proc'), leader, { exclude: [process.pid] });
    for (const member of members) {
      // The leader's files were read just before.
      const found = member.pid === leader ? undefined : holdsOne(member.pid, fresh);
      if (found !== undefined) return found;
    }
    return undefined;
  }

  #inspectorPort(port: number): boolean {
    if (this.inspector.ports.includes(port)) return true;
    return this.#ephemeral !== undefined && port >= this.#ephemeral[0] && port <= this.#ephemeral[1];
  }
}

/**
 * Whether the default readiness check can work here: Linux's /proc, with its socket tables.
 * Elsewhere (macOS, the BSDs, or DEVRELOAD_PROCESS_TABLE=ps, which stands in for them in tests)
 * it reports nothing: asking `lsof` every few milliseconds while an app boots would cost more
 * CPU than the boot; `--ready <port>` works everywhere.
 */
export function listenCheckSupported(): boolean {
  return defaultTableSource() === 'proc' && (existsSync('/proc/net/tcp') || existsSync('/proc/net/tcp6'));
}

function holdsOne(pid: number, entries: readonly TcpEntry[]): TcpEntry | undefined {
  const inodes = socketInodesOf(pid);
  return entries.find((entry) => inodes.has(entry.inode));
}

/** Where the kernel picks a port for `listen(0)`; Linux's default when it cannot be read. */
function ephemeralRange(): readonly [number, number] {
  try {
    const [low, high] = readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8').trim().split(/\s+/).map(Number);
    if (low !== undefined && high !== undefined && Number.isInteger(low) && Number.isInteger(high)) return [low, high];
  } catch {
    // No such file (another OS, a restricted container): the default below.
  }
  return [32768, 60999];
}
