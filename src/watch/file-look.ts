import { closeSync, constants, fstatSync, openSync, readFileSync, readSync, statSync } from 'node:fs';
import { isExpected } from '../errors.js';
import type { FileId } from '../process/open-for-writing.js';
import { isSqliteHeader, SQLITE_HEADER_LENGTH } from './data-files.js';

/** A file's device and inode as one string: the file, whatever name it has now. */
export function fileKey(id: FileId): string {
  return `${id.dev}:${id.ino}`;
}

/** What a changed path is, looked at once when its change is judged. */
export interface FileLook {
  /** fileKey() of its device and inode. */
  readonly key: string;
  readonly isFile: boolean;
  readonly size: number;
  readonly mtimeMs: number;
  /** Its first bytes are a SQLite database header. */
  readonly sqlite: boolean;
  /** Its whole content, when asked for and not larger than MAX_CONTENT_BYTES. */
  readonly content?: Buffer;
}

/** Content is kept only to compare a file with itself a moment ago: a small generated file, not a bundle. */
const MAX_CONTENT_BYTES = 256 * 1024;

/**
 * Looks at `file`: undefined when it is gone. One open gives its identity, its first bytes and,
 * if `wantContent` says so for its mtime, all of them. Synchronous: four syscalls on a file the
 * kernel just wrote take tens of µs, where each hop through the thread pool costs more than
 * that on a busy machine, on the way from a save to the restart. O_NONBLOCK so that a named
 * pipe in the tree cannot hang the look (a regular file ignores it). An unreadable file is still
 * stat'ed: its identity is all the rules need of it.
 */
export function lookAt(file: string, wantContent?: (mtimeMs: number) => boolean): FileLook | undefined {
  let fd: number;
  try {
    fd = openSync(file, constants.O_RDONLY | constants.O_NONBLOCK);
  } catch (error) {
    if (isExpected(error, 'notFound')) return undefined;
    return statOnly(file);
  }
  try {
    const stats = fstatSync(fd, { bigint: true });
    const look = { key: fileKey(stats), isFile: stats.isFile(), size: Number(stats.size), mtimeMs: Number(stats.mtimeMs), sqlite: false };
    if (!stats.isFile()) return look;
    const head = Buffer.alloc(SQLITE_HEADER_LENGTH);
    const sqlite = isSqliteHeader(head.subarray(0, readSync(fd, head, 0, head.length, 0)));
    if (sqlite || stats.size > MAX_CONTENT_BYTES || wantContent?.(look.mtimeMs) !== true) return { ...look, sqlite };
    return { ...look, content: readFileSync(fd) };
  } catch {
    // Unreadable after all (EIO, a folder's EISDIR on read): its identity is enough.
    return statOnly(file);
  } finally {
    closeSync(fd);
  }
}

function statOnly(file: string): FileLook | undefined {
  try {
    const stats = statSync(file, { bigint: true });
    return { key: fileKey(stats), isFile: stats.isFile(), size: Number(stats.size), mtimeMs: Number(stats.mtimeMs), sqlite: false };
  } catch {
    // Gone (or a dangling link) since the event: nothing there to judge.
    return undefined;
  }
}
