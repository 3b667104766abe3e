import { randomBytes } from 'node:crypto';
import { rmSync } from 'node:fs';
import { readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { runGone } from '../process/signal.js';

// The run's directory where the preload marks each host mismatch it reported, so that one is
// said once per devreload run (see reportOnce in preload.cts). Named, not created: the first
// preload that reports makes it, so a run without a mismatch touches no file at all.

const prefix = 'devreload-notices-';
const name = new RegExp(`^${prefix}(\\d+)-[0-9a-f]{16}$`);

/** A new directory name for this run: unguessable, so no other user can pre-create it to silence the notices. */
export function noticeDirPath(dir = tmpdir()): string {
  return path.join(dir, `${prefix}${process.pid}-${randomBytes(8).toString('hex')}`);
}

export function removeNoticeDir(noticeDir: string): void {
  rmSync(noticeDir, { recursive: true, force: true });
}

/**
 * Removes the directories of runs whose devreload is gone without removing its own (SIGKILL:
 * a debugger's stop button, the OOM killer). Best effort, never in the way: every error is
 * ignored, and another user's directory (alive to us, or not ours to remove) is left alone.
 */
export async function sweepStaleNoticeDirs(dir = tmpdir()): Promise<void> {
  const entries = await readdir(dir).catch(() => []);
  await Promise.all(
    entries.map(async (entry) => {
      const pid = Number(name.exec(entry)?.[1]);
      if (!runGone(pid)) return;
      await rm(path.join(dir, entry), { recursive: true, force: true }).catch(() => undefined);
    }),
  );
}
