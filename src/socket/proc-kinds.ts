import { readFileSync } from 'node:fs';
import { isErrnoException } from '../errors.js';
import { parseTcpTable, TCP_LISTEN, type TcpEntry } from './proc-net.js';

/** What the kernel's tables say about sockets that were not in the TCP tables' LISTEN rows. */
export interface SocketKinds {
  /** Listening after all (it began since the LISTEN rows were read). */
  readonly listening: TcpEntry[];
  /** Never a listener: a TCP connection (any state but LISTEN), a UDP socket, a netlink socket. */
  readonly others: Set<number>;
}

/**
 * Looks `inodes` up in the tables that list a socket for good once it is one of those kinds
 * (Linux). What is in none of them is a TCP socket not listening yet (created, or bound: uvicorn's
 * reloader binds, its worker listens later), or of a rarer kind; the kernel lists a TCP socket
 * only once it listens or connects. The UDP and netlink tables first (~0.03 ms each); the TCP
 * tables, read whole, only for what is left (~0.7 ms each however few rows they hold: the kernel
 * walks its whole connection hash). Called once for each socket, not at every look.
 */
export function socketKinds(inodes: ReadonlySet<number>): SocketKinds {
  const left = new Set(inodes);
  const others = new Set<number>();
  for (const file of ['/proc/net/udp', '/proc/net/udp6', '/proc/net/netlink']) {
    if (left.size === 0) break;
    // These tables give the inode as their 10th field, as the TCP tables do.
    for (const line of (readTable(file) ?? '').split('\n').slice(1)) {
      const inode = Number(line.trim().split(/\s+/)[9]);
      if (left.delete(inode)) others.add(inode);
    }
  }
  const listening: TcpEntry[] = [];
  for (const file of ['/proc/net/tcp', '/proc/net/tcp6']) {
    if (left.size === 0) break;
    for (const row of parseTcpTable(readTable(file) ?? '')) {
      if (!left.delete(row.inode)) continue;
      if (row.state === TCP_LISTEN) listening.push(row);
      else others.add(row.inode);
    }
  }
  return { listening, others };
}

/**
 * The TCP sockets the kernel lists (listening or connected), IPv4 and IPv6 together, from
 * /proc/net/sockstat{,6} (~0.03 ms each, counters only). The count goes up when a socket begins
 * to listen: while it stays the same, a socket that was not listening still is not, and the TCP
 * tables need not be read for it. Undefined where they cannot be read.
 */
export function tcpSocketsInUse(): number | undefined {
  let total: number | undefined;
  for (const [file, label] of [['/proc/net/sockstat', 'TCP'], ['/proc/net/sockstat6', 'TCP6']] as const) {
    const count = new RegExp(`^${label}: inuse (\\d+)`, 'm').exec(readTable(file) ?? '')?.[1];
    if (count !== undefined) total = (total ?? 0) + Number(count);
  }
  return total;
}

function readTable(file: string): string | undefined {
  try {
    return readFileSync(file, 'latin1');
  } catch (error) {
    // No IPv6 (no udp6, sockstat6), no netlink table, no /proc: that table has nothing to say.
    if (isErrnoException(error) && (error.code === 'ENOENT' || error.code === 'EACCES')) return undefined;
    throw error;
  }
}
