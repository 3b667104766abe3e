import { readdirSync, readlinkSync } from 'node:fs';
import { isExpected } from '../errors.js';

/** `socket:[12345]` (what /proc/<pid>/fd/<n> links to for a socket) → 12345; anything else → undefined. */
export function socketInode(link: string): number | undefined {
  const match = /^socket:\[(\d+)\]$/.exec(link);
  return match?.[1] === undefined ? undefined : Number(match[1]);
}

/**
 * The inodes of the sockets `pid` holds open on fds `fromFd` and up (Linux). Empty when the
 * process is gone or not ours to read. Synchronous on purpose: a few dozen links in a
 * pseudo-file system read faster in one go than through the thread pool, and the answer is a
 * snapshot anyway.
 */
export function socketInodesOf(pid: number | 'self', fromFd = 0): Set<number> {
  const inodes = new Set<number>();
  let fds: string[];
  try {
    fds = readdirSync(`/proc/${pid}/fd`);
  } catch (error) {
    if (isExpected(error, 'procEntryGone')) return inodes;
    throw error;
  }
  for (const fd of fds) {
    if (Number(fd) < fromFd) continue;
    let link: string;
    try {
      link = readlinkSync(`/proc/${pid}/fd/${fd}`);
    } catch {
      // Closed between readdir and readlink (ENOENT), or the process is exiting: not a socket now.
      continue;
    }
    const inode = socketInode(link);
    if (inode !== undefined) inodes.add(inode);
  }
  return inodes;
}
