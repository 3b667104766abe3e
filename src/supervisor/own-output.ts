import { fstatSync } from 'node:fs';
import type { FileId } from '../process/open-for-writing.js';
import { fileKey } from '../watch/file-look.js';

/**
 * The regular files devreload's stdout and stderr write to (`devreload … > dev.log 2>&1`), by
 * identity: the app inherits both, so whatever lands there is devreload's or the app's output,
 * never a change. A terminal or a pipe is no file and gives nothing.
 */
export function ownOutputFiles(fds: readonly number[] = [1, 2]): Set<string> {
  const keys = new Set<string>();
  for (const fd of fds) {
    let id: (FileId & { isFile(): boolean }) | undefined;
    try {
      id = fstatSync(fd, { bigint: true });
    } catch {
      // Closed (EBADF): nothing is written there.
      continue;
    }
    if (id.isFile()) keys.add(fileKey(id));
  }
  return keys;
}
