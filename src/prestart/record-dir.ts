import { randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, rmSync, unlinkSync } from 'node:fs';
import { readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { runGone } from '../process/signal.js';

const prefix = 'devreload-warm-';
const name = new RegExp(`^${prefix}(\\d+)-[0-9a-f]{16}$`);

/**
 * The run's private folder where warm spares and the apps woken from them write back (a
 * Recorded per instance, a SpareReport per spare), named in the messages devreload sends them.
 * Readable by this user only: the files say what the app loads and which files it reads.
 */
export class RecordDir {
  private constructor(readonly path: string) {}

  static create(dir = tmpdir()): RecordDir {
    // Not on the way to the first start: /tmp may hold many entries.
    void sweep(dir);
    const created = path.join(dir, `${prefix}${process.pid}-${randomBytes(8).toString('hex')}`);
    mkdirSync(created, { mode: 0o700 });
    return new RecordDir(created);
  }

  /** Where the instance tagged `tag` writes what it loaded. */
  recordOf(tag: string): string {
    return path.join(this.path, `${tag}.record.json`);
  }

  /** Where the spare tagged `tag` writes what it preloaded. */
  reportOf(tag: string): string {
    return path.join(this.path, `${tag}.spare.json`);
  }

  /** The JSON in `file`; undefined while it is not written yet (or half-written by a process killed mid-way). */
  read<T>(file: string, remove = false): T | undefined {
    try {
      const value = JSON.parse(readFileSync(file, 'utf8')) as T;
      if (remove) unlinkSync(file);
      return value;
    } catch {
      return undefined;
    }
  }

  remove(file: string): void {
    rmSync(file, { force: true });
  }

  removeAll(): void {
    rmSync(this.path, { recursive: true, force: true });
  }
}

/** Folders of runs whose devreload was SIGKILLed before removing its own. Best effort: every error is ignored. */
async function sweep(dir: string): Promise<void> {
  const entries = await readdir(dir).catch(() => []);
  for (const entry of entries) {
    const pid = Number(name.exec(entry)?.[1]);
    if (!runGone(pid)) continue;
    await rm(path.join(dir, entry), { recursive: true, force: true }).catch(() => undefined);
  }
}
