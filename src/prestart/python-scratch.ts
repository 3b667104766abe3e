import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { runGone } from '../process/signal.js';

const prefix = 'devreload-python-';

/** What a spare reports in its status file (src/prestart/python-park.py writes it). */
export interface SpareStatus {
  /** Third-party modules it has loaded (the boot's included). */
  readonly warm: number;
  /** Lines of the record it has acted on. */
  readonly lines: number;
  readonly dropped: readonly string[];
  /** [folder, mtime in ns as text, or null if missing] when it booted. */
  readonly sites: ReadonlyArray<readonly [string, string | null]>;
  readonly runtimeOnly: string | null;
  readonly tainted: string | null;
  readonly stoppedAt: string | null;
}

/**
 * A private folder for the spares' status files, what they print while parked, and the woken
 * instances' records. Named with devreload's pid: one a SIGKILL left behind is removed by the
 * next devreload that finds its owner gone.
 */
export function createScratch(): string {
  const parent = tmpdir();
  try {
    for (const name of readdirSync(parent)) {
      const owner = Number(/^devreload-python-(\d+)-/.exec(name)?.[1]);
      if (runGone(owner)) rmSync(path.join(parent, name), { recursive: true, force: true });
    }
  } catch {
    // Tidying only: a folder that cannot be listed or removed is left alone.
  }
  return mkdtempSync(path.join(parent, `${prefix}${process.pid}-`));
}

/** The spare's last report; undefined before its first (it is still booting). */
export function readStatus(file: string): SpareStatus | undefined {
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as SpareStatus;
  } catch {
    return undefined;
  }
}

/** A folder's mtime in ns, as the spare wrote it; null if it is gone. */
export function mtimeNs(dir: string): string | null {
  try {
    return statSync(dir, { bigint: true }).mtimeNs.toString();
  } catch {
    return null;
  }
}
