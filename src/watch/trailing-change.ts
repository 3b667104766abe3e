import { stat } from 'node:fs';

/** What a change event saw of a file; a later look that differs means it changed again. */
export interface FileSignature {
  readonly ino: number;
  readonly size: number;
  readonly mtimeMs: number;
}

// chokidar suppresses further `change` events for a path for 50 ms after one (a leading-edge
// throttle with no trailing event): look again just after that window.
const RECHECK_MS = 75;

/**
 * Catches the second write chokidar drops. A save followed within 50 ms by a formatter's
 * rewrite (format-on-save) is reported once, at the first write; the app restarted for it could
 * load the file before the second write and run stale code. So every change is re-checked once
 * the throttle has passed: if the file differs from what the event saw, it is reported again.
 */
export class TrailingChanges {
  readonly #timers = new Map<string, NodeJS.Timeout>();

  constructor(private readonly report: (path: string) => void) {}

  /** `seen` is the file as the event saw it (chokidar's stats); without it, as it is now. */
  observe(path: string, seen: FileSignature | undefined): void {
    clearTimeout(this.#timers.get(path));
    const arm = (baseline: FileSignature) => {
      this.#timers.set(
        path,
        setTimeout(() => {
          this.#timers.delete(path);
          stat(path, (error, now) => {
            // Gone or unreadable: the unlink, if any, is chokidar's to report.
            if (error === null && !sameFile(baseline, now) && !this.#closed) this.report(path);
          });
        }, RECHECK_MS),
      );
    };
    if (seen !== undefined) arm(seen);
    else stat(path, (error, now) => error === null && !this.#closed && arm(now));
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
