import { stat } from 'node:fs';
import { recheckMs } from '../tuning.js';

/** What a look at a file saw; a later look that differs means it changed again. */
interface FileSignature {
  readonly ino: number;
  readonly size: number;
  readonly mtimeMs: number;
}

// chokidar's 50 ms leading-edge throttle drops a second write: look again just after it (tuning.ts).
const RECHECK_MS = recheckMs;

/**
 * Catches the second write chokidar drops. A save followed within 50 ms by a formatter's
 * rewrite (format-on-save) is reported once, at the first write; the app restarted for it could
 * load the file before the second write and run stale code. So every change is re-checked once
 * the throttle has passed: if the file differs from what the event saw, it is reported again.
 */
export class TrailingChanges {
  readonly #timers = new Map<string, NodeJS.Timeout>();

  /** `report` gets the file's new mtime: whoever started after it has seen this content. */
  constructor(private readonly report: (path: string, mtimeMs: number) => void) {}

  /**
   * The baseline is the file as it is when the event arrives, not chokidar's stats: those may
   * show a write half done (a truncate before the write), which would report one save twice.
   * A write that lands before the baseline is read is seen by the app anyway: it starts only
   * after the quiet window.
   */
  observe(path: string): void {
    clearTimeout(this.#timers.get(path));
    const arm = (baseline: FileSignature) => {
      this.#timers.set(
        path,
        setTimeout(() => {
          this.#timers.delete(path);
          stat(path, (error, now) => {
            // Gone or unreadable: the unlink, if any, is chokidar's to report.
            if (error === null && !sameFile(baseline, now) && !this.#closed) this.report(path, now.mtimeMs);
          });
        }, RECHECK_MS),
      );
    };
    stat(path, (error, now) => error === null && !this.#closed && arm(now));
  }

  #closed = false;

  close(): void {
    this.#closed = true;
    for (const timer of this.#timers.values()) clearTimeout(timer);
    this.#timers.clear();
  }
}

function sameFile(a: FileSignature, b: FileSignature): boolean {
  return a.ino === b.ino && a.size === b.size && a.mtimeMs === b.mtimeMs;
}
