import { existsSync, readFileSync } from 'node:fs';
import { defaultTableSource, readProcessTable } from '../process/table.js';
import { collectInstance } from '../process/tree.js';
import { listenLook } from '../tuning.js';
import type { InspectorPorts } from './inspector-ports.js';
import { socketInodesOf } from './proc-fds.js';
import { readTcpTable, TCP_LISTEN, type TcpEntry } from './proc-net.js';

/**
 * Finds the first TCP port an app instance listens on (Linux): the sockets its processes hold
 * (/proc/<pid>/fd), looked up in the kernel's TCP tables (/proc/net/tcp and tcp6) for a LISTEN
 * row. Nothing is sent to the app.
 *
 * What a look costs decides how it is done. Reading a process's open files is ~0.07 ms; reading
 * the TCP tables is ~2 ms of kernel time on a machine with a large connection hash, whatever
 * few sockets it holds, so they are read only while the instance holds a socket not yet known
 * to be something else; finding the instance's other processes (`npm run`, `tsx` and `sh -c`
 * start the server as a descendant) takes a scan of the process table (~2.5 ms), done at growing
 * intervals.
 */
export class ListenerSearch {
  /** Sockets devreload itself holds: an instance inherits them, it did not open them. */
  readonly #inherited: ReadonlySet<number>;
  /** Sockets that are not a listener: connections, an inspector's, or not in the TCP tables after a few looks (UNIX, UDP). */
  readonly #others = new Set<number>();
  /** How many looks found each undecided socket absent from the TCP tables. */
  readonly #absent = new Map<number, number>();
  readonly #ephemeral: readonly [number, number] | undefined;
  /** The instance's processes besides its leader, and when (ms into its start) to look for them again. */
  #members: number[] = [];
  #nextScanMs: number = listenLook.scanFirstMs;

  constructor(private readonly inspector: InspectorPorts) {
    this.#inherited = socketInodesOf('self');
    this.#ephemeral = inspector.ephemeral ? ephemeralRange() : undefined;
  }

  /** One look, `elapsedMs` into the instance's start: its listening socket, or undefined (not yet). */
  async look(leader: number, elapsedMs: number): Promise<TcpEntry | undefined> {
    if (elapsedMs >= this.#nextScanMs) {
      this.#members = collectInstance(await readProcessTable('proc'), leader, { exclude: [process.pid] }).map((e) => e.pid).filter((pid) => pid !== leader);
      this.#nextScanMs = elapsedMs + Math.max(listenLook.scanFirstMs, elapsedMs * listenLook.scanFraction);
    }
    const undecided = new Set<number>();
    for (const pid of [leader, ...this.#members]) {
      // Not stdin, stdout or stderr: devreload's pipes to the app are UNIX socket pairs.
      for (const inode of socketInodesOf(pid, 3)) if (!this.#inherited.has(inode) && !this.#others.has(inode)) undecided.add(inode);
    }
    if (undecided.size === 0) return undefined;
    const rows = (await readTcpTable()) ?? [];
    for (const row of rows) {
      if (!undecided.has(row.inode)) continue;
      undecided.delete(row.inode);
      if (row.state === TCP_LISTEN && !this.#inspectorPort(row.localPort)) return row;
      // A connection never becomes a listener; an inspector's port is not the app's.
      this.#others.add(row.inode);
    }
    // Not in the TCP tables: a socket about to listen, or one of another kind.
    for (const inode of undecided) {
      const looks = (this.#absent.get(inode) ?? 0) + 1;
      this.#absent.set(inode, looks);
      if (looks >= listenLook.absentLooks) this.#others.add(inode);
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
