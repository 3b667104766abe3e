import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { readProcStat } from '../process/proc-stat.js';
import { defaultTableSource, type ProcessEntry } from '../process/table.js';
import { collectInstance } from '../process/tree.js';
import { listenLook } from '../tuning.js';
import type { InspectorPorts } from './inspector-ports.js';
import { socketInodesOf } from './proc-fds.js';
import { socketKinds, tcpSocketsInUse } from './proc-kinds.js';
import { readListeningRows, type TcpEntry } from './proc-net.js';
import { unixSocketsAmong } from './proc-unix.js';

/**
 * Finds the first TCP port an app instance listens on (Linux): the sockets its processes hold
 * (/proc/<pid>/fd), looked up in the kernel's TCP tables (/proc/net/tcp and tcp6) for a LISTEN
 * row. Nothing is sent to the app.
 *
 * What a look costs decides how it is done. Reading a process's open files is ~0.07 ms; reading
 * the TCP tables whole is ~1.5 ms of kernel time on a machine with a large connection hash,
 * however few sockets it holds, so they are read only while the instance holds a socket not yet
 * known to be something else, and only as far as their LISTEN rows go. UNIX sockets (the pipes
 * to every child process an app starts) are told apart first, by /proc/net/unix (~0.05 ms). The instance's other
 * processes (`npm run`, `tsx` and `sh -c` start the server as a descendant) are found among the
 * processes started since the leader, at growing intervals. A socket still not listening after a
 * few looks is looked up once in the other tables: a connection or a UDP socket is dropped for
 * good; one in no table is a TCP socket created or bound that may listen later (uvicorn's
 * reloader binds, its worker listens; a server that binds, then connects to its database). The
 * TCP tables are read again for it only when the kernel's count of listed TCP sockets changed,
 * and at growing intervals in case a connection closed as it began to listen.
 */
export class ListenerSearch {
  /** Sockets devreload itself holds: an instance inherits them, it did not open them. */
  readonly #inherited: ReadonlySet<number>;
  /** Sockets that are not a listener: UNIX, UDP, netlink, connections, an inspector's. */
  readonly #others = new Set<number>();
  /** How many looks found each new socket absent from the TCP tables' LISTEN rows. */
  readonly #absent = new Map<number, number>();
  /** Sockets in no table after those looks: TCP sockets not listening yet, or of a rarer kind. */
  readonly #quiet = new Set<number>();
  /** The kernel's count of listed TCP sockets when the LISTEN rows were last read. */
  #inUse: number | undefined;
  /** When (ms into the start) the LISTEN rows are read for #quiet sockets even if that count stayed. */
  #quietDueMs = 0;
  readonly #ephemeral: readonly [number, number] | undefined;
  /** The instance's processes besides its leader, and when (ms into its start) to look for them again. */
  #members: number[] = [];
  #nextScanMs: number = listenLook.scanFirstMs;

  constructor(private readonly inspector: InspectorPorts) {
    this.#inherited = socketInodesOf('self');
    this.#ephemeral = inspector.ephemeral ? ephemeralRange() : undefined;
  }

  /** One look, `elapsedMs` into the instance's start: its listening socket, or undefined (not yet). */
  look(leader: number, elapsedMs: number): TcpEntry | undefined {
    if (elapsedMs >= this.#nextScanMs) {
      this.#members = membersOf(leader);
      this.#nextScanMs = elapsedMs + Math.max(listenLook.scanFirstMs, elapsedMs * listenLook.scanFraction);
    }
    const undecided = new Set<number>();
    for (const pid of [leader, ...this.#members]) {
      // Not stdin, stdout or stderr: devreload's pipes to the app are UNIX socket pairs.
      for (const inode of socketInodesOf(pid, 3)) if (!this.#inherited.has(inode) && !this.#others.has(inode)) undecided.add(inode);
    }
    if (undecided.size === 0) return undefined;
    // Seen for the first time: a UNIX socket (a pipe to a child's stdio, IPC) never listens on TCP.
    const fresh = new Set([...undecided].filter((inode) => !this.#absent.has(inode) && !this.#quiet.has(inode)));
    if (fresh.size > 0) {
      for (const inode of unixSocketsAmong(fresh)) {
        undecided.delete(inode);
        this.#others.add(inode);
      }
      if (undecided.size === 0) return undefined;
    }
    // Counted before the read: a socket that begins to listen after it changes the count.
    const inUse = tcpSocketsInUse();
    // Only sockets in no table: read their LISTEN rows once the count changed, or it is time anyway.
    const quietOnly = [...undecided].every((inode) => this.#quiet.has(inode));
    if (quietOnly && elapsedMs < this.#quietDueMs && inUse === this.#inUse) return undefined;
    this.#inUse = inUse;
    this.#quietDueMs = elapsedMs * (1 + listenLook.quietFraction);
    const found = this.#listener(readListeningRows(undecided) ?? [], undecided);
    if (found !== undefined) return found;
    // Not listening: a socket about to, a connection, or one of another kind (UDP, …).
    const looked = new Set<number>();
    for (const inode of undecided) {
      if (this.#quiet.has(inode)) continue;
      const looks = (this.#absent.get(inode) ?? 0) + 1;
      this.#absent.set(inode, looks);
      if (looks >= listenLook.absentLooks) looked.add(inode);
    }
    if (looked.size === 0) return undefined;
    const kinds = socketKinds(looked);
    for (const inode of kinds.others) this.#others.add(inode);
    for (const inode of looked) {
      this.#absent.delete(inode);
      if (!kinds.others.has(inode)) this.#quiet.add(inode);
    }
    return this.#listener(kinds.listening, looked);
  }

  /** The first of `rows` that is one of `wanted` and not an inspector's (those are filed as others). */
  #listener(rows: readonly TcpEntry[], wanted: Set<number>): TcpEntry | undefined {
    for (const row of rows) {
      if (!wanted.has(row.inode)) continue;
      wanted.delete(row.inode);
      if (!this.#inspectorPort(row.localPort)) return row;
      this.#others.add(row.inode);
      this.#quiet.delete(row.inode);
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

/**
 * The instance's processes besides its leader: its session, its group and their descendants.
 * Every one of them started after the leader, so only the processes whose pid the kernel
 * handed out since then are read (pids go up, wrapping at pid_max): on a busy machine a handful
 * instead of every process. Without the counters (an old kernel), all of them.
 */
function membersOf(leader: number): number[] {
  const last = readCounter('/proc/sys/kernel/ns_last_pid');
  const since = (pid: number): boolean => last === undefined || (last >= leader ? pid > leader && pid <= last : pid > leader || pid <= last);
  const table: ProcessEntry[] = [];
  for (const name of readdirSync('/proc')) {
    const pid = Number(name);
    if (!Number.isInteger(pid) || (pid !== leader && !since(pid))) continue;
    const stat = readProcStat(pid);
    if (stat !== undefined) table.push({ pid, ppid: stat.ppid, pgid: stat.pgrp, sid: stat.session, zombie: stat.state === 'Z' || stat.state === 'X', startTime: stat.startTime });
  }
  return collectInstance(table, leader, { exclude: [process.pid] }).map((entry) => entry.pid).filter((pid) => pid !== leader);
}

function readCounter(file: string): number | undefined {
  try {
    const value = Number(readFileSync(file, 'utf8').trim());
    return Number.isInteger(value) ? value : undefined;
  } catch {
    // Not there (an old kernel, a restricted container): every process is read instead.
    return undefined;
  }
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
