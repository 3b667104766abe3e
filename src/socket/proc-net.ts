import { closeSync, openSync, readSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { endianness } from 'node:os';
import { isErrnoException } from '../errors.js';

/** One row of Linux's /proc/net/tcp or /proc/net/tcp6 (the fields devreload needs). */
export interface TcpEntry {
  /** `127.0.0.1`, `0.0.0.0`, `::`, `::1`, … (IPv6 in the URL parser's canonical form). */
  readonly localAddress: string;
  readonly localPort: number;
  readonly remotePort: number;
  /** Kernel TCP state: 0x0A = LISTEN, 0x01 = ESTABLISHED, … */
  readonly state: number;
  /**
   * Socket inode; 0 while a connection still waits in the accept queue (no process has
   * accepted it, so it has no file yet) and after it was closed.
   */
  readonly inode: number;
}

export const TCP_LISTEN = 0x0a;

const files = ['/proc/net/tcp', '/proc/net/tcp6'];

/** Both tables, or undefined where there is no /proc (macOS, BSD). */
export async function readTcpTable(): Promise<TcpEntry[] | undefined> {
  const tables = await Promise.all(files.map(readOptional));
  if (tables.every((table) => table === undefined)) return undefined;
  return tables.flatMap((table) => (table === undefined ? [] : parseTcpTable(table)));
}

/**
 * The LISTEN rows of the tables (Linux), read only as far as needed. The kernel lists its
 * listening sockets first, then walks its whole connection hash (262,144 buckets here), and it
 * walks again for every page a reader asks for: all of /proc/net/tcp cost 1.3 ms of CPU here,
 * its first page 0.17. So pages are read until the first row that is not LISTEN, and tcp6 only
 * when `wanted` (socket inodes) are not all listening in tcp. Synchronous: a page or two, each
 * a single read. Undefined where there is no /proc.
 */
export function readListeningRows(wanted?: ReadonlySet<number>): TcpEntry[] | undefined {
  let found = false;
  const rows: TcpEntry[] = [];
  for (const file of files) {
    if (wanted !== undefined && [...wanted].every((inode) => rows.some((row) => row.inode === inode))) break;
    const text = listeningText(file);
    if (text === undefined) continue;
    found = true;
    rows.push(...parseTcpTable(text).filter((entry) => entry.state === TCP_LISTEN));
  }
  return found ? rows : undefined;
}

const page = Buffer.alloc(64 * 1024);

/**
 * The kernel hands out these files a page (4 KiB) of whole rows per read: a read this much
 * shorter (two rows of up to ~180 bytes) ended at the file's end, and asking again would walk the
 * connection hash once more for nothing.
 */
const shortRead = 4096 - 2 * 180;

/** The header and the rows up to the first one that is not LISTEN (or the whole file). */
function listeningText(file: string): string | undefined {
  let fd: number;
  try {
    fd = openSync(file, 'r');
  } catch (error) {
    return missing(error);
  }
  try {
    let text = '';
    for (;;) {
      const read = readSync(fd, page, 0, page.length, null);
      text += page.toString('latin1', 0, read);
      if (read < shortRead) return text;
      // Complete lines after the header: the 4th field is the state, 0A = LISTEN.
      const lines = text.slice(0, text.lastIndexOf('\n') + 1).split('\n').slice(1, -1);
      if (lines.some((line) => line.trim().split(/\s+/)[3] !== '0A')) return text;
    }
  } finally {
    closeSync(fd);
  }
}

/** `127.0.0.1:3000`, `[::]:3000`: an address and port as a URL would hold them. */
export function formatAddress(address: string, port: number): string {
  return `${address.includes(':') ? `[${address}]` : address}:${port}`;
}

export function parseTcpTable(text: string): TcpEntry[] {
  const entries: TcpEntry[] = [];
  // The first line is the header; a malformed line is skipped rather than trusted.
  for (const line of text.split('\n').slice(1)) {
    const fields = line.trim().split(/\s+/);
    const [localHex, local] = fields[1]?.split(':') ?? [];
    const remote = fields[2]?.split(':')[1];
    const state = fields[3];
    const inode = fields[9];
    if (localHex === undefined || local === undefined || remote === undefined || state === undefined || inode === undefined) continue;
    entries.push({
      localAddress: parseAddress(localHex),
      localPort: parseInt(local, 16),
      remotePort: parseInt(remote, 16),
      state: parseInt(state, 16),
      inode: Number(inode),
    });
  }
  return entries;
}

/**
 * The kernel prints the address as 32-bit words in the host's byte order: `0100007F` is
 * 127.0.0.1 on a little-endian machine. IPv6 is four such words.
 */
function parseAddress(hex: string): string {
  const bytes: number[] = [];
  for (let word = 0; word < hex.length; word += 8) {
    const wordBytes = (hex.slice(word, word + 8).match(/../g) ?? []).map((pair) => parseInt(pair, 16));
    bytes.push(...(endianness() === 'LE' ? wordBytes.reverse() : wordBytes));
  }
  if (bytes.length === 4) return bytes.join('.');
  const groups = Array.from({ length: 8 }, (_, i) => (((bytes[2 * i] ?? 0) << 8) | (bytes[2 * i + 1] ?? 0)).toString(16));
  return new URL(`http://[${groups.join(':')}]`).hostname.slice(1, -1);
}

async function readOptional(file: string): Promise<string | undefined> {
  try {
    return await readFile(file, 'utf8');
  } catch (error) {
    return missing(error);
  }
}

function missing(error: unknown): undefined {
  // No IPv6 in the kernel means no tcp6 file; no /proc at all means another OS.
  if (isErrnoException(error) && (error.code === 'ENOENT' || error.code === 'EACCES')) return undefined;
  throw error;
}
