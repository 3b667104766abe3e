import { readFile } from 'node:fs/promises';
import { isErrnoException } from '../errors.js';

/** One row of Linux's /proc/net/tcp or /proc/net/tcp6 (the fields devreload needs). */
export interface TcpEntry {
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

export function parseTcpTable(text: string): TcpEntry[] {
  const entries: TcpEntry[] = [];
  // The first line is the header; a malformed line is skipped rather than trusted.
  for (const line of text.split('\n').slice(1)) {
    const fields = line.trim().split(/\s+/);
    const local = fields[1]?.split(':')[1];
    const remote = fields[2]?.split(':')[1];
    const state = fields[3];
    const inode = fields[9];
    if (local === undefined || remote === undefined || state === undefined || inode === undefined) continue;
    entries.push({
      localPort: parseInt(local, 16),
      remotePort: parseInt(remote, 16),
      state: parseInt(state, 16),
      inode: Number(inode),
    });
  }
  return entries;
}

async function readOptional(file: string): Promise<string | undefined> {
  try {
    return await readFile(file, 'utf8');
  } catch (error) {
    // No IPv6 in the kernel means no tcp6 file; no /proc at all means another OS.
    if (isErrnoException(error) && (error.code === 'ENOENT' || error.code === 'EACCES')) return undefined;
    throw error;
  }
}
