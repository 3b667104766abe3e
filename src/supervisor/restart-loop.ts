import path from 'node:path';
import type { Clock } from '../clock.js';
import type { Logger } from '../log/logger.js';
import { loopReportDelayMs, loopStreak, loopWarnStreak, loopWindowMs, mtimeSlackMs } from '../tuning.js';

export interface RestartLoopOptions {
  readonly logger: Logger;
  readonly cwd: string;
  readonly after: Clock['after'];
}

/**
 * What a path held right after a start: its content, `app` when the instance was seen holding it
 * open for writing (the app's own write for sure, its content maybe half written), or undefined
 * (not known: too large, or a deletion).
 */
export type Written = Buffer | 'app' | undefined;

/** What changed right after one start: path → what it held then, and its mtime. */
type Early = Map<string, { readonly written: Written; readonly at: number }>;

interface Run {
  /** Starts in a row, up to the previous one, right after which the path changed. */
  readonly starts: number;
  /** …with the same write each time (alike()). */
  readonly same: number;
  readonly content: Written;
  /** The mtime of that write: the same write reported again is no second one. */
  readonly at: number;
}

/**
 * The same write twice: equal bytes, or one of them seen being made by the app. An empty file is
 * no write to compare: it is what an in-place save (truncate, then write) looks like between its
 * two steps, and a test saving right after each restart was caught that way twice in a row.
 */
function alike(a: Written, b: Written): boolean {
  if (a === undefined || b === undefined || (a !== 'app' && a.length === 0) || (b !== 'app' && b.length === 0)) return false;
  return a === 'app' || b === 'app' || a.equals(b);
}

/**
 * Notices an app that restarts itself: it writes a file into the watched tree as it starts (a
 * generated route table, a default config), so each start sets off the next.
 *
 * Nothing tells devreload who wrote a file (inotify has no pid, fanotify needs root), and a
 * test or a script editing a file right after each restart looks the same by timing alone. What
 * tells them apart is the content: an app rewrites the same bytes at every start, an edit
 * changes them. So a path rewritten right after `loopStreak` starts in a row with the same bytes
 * (or caught open for writing by the instance at one of them: the app's write for sure) is the
 * app's own write: from then on a change to it right after a start is dropped. A change to
 * it later (a person's edit), and any change to another path, restarts as usual: a source edit
 * still restarts once, and the start it causes does not set off another.
 *
 * A path that changes right after `loopWarnStreak` starts in a row with new bytes each time (a
 * timestamp, a pid) is reported with the fix, but still restarts: dropping it could drop an edit.
 */
export class RestartLoop {
  /** The start the changes are compared with (wall clock), and what changed right after it. */
  #start: number | null = null;
  #early: Early = new Map();
  #runs = new Map<string, Run>();
  /** Paths found looping, and the write that loops: the same again right after a start is dropped. */
  readonly #muted = new Map<string, Written>();
  readonly #warned = new Set<string>();
  #unreported: string[] = [];
  #cancelReport: (() => void) | undefined;

  constructor(private readonly options: RestartLoopOptions) {}

  /** A write at `writtenAt` (wall clock) is right after the start at `start` (null: none yet). */
  isRightAfter(writtenAt: number, start: number | null): boolean {
    // mtimes come from a coarse kernel clock: one tick of slack on the early side.
    return start !== null && writtenAt + mtimeSlackMs >= start && writtenAt <= start + loopWindowMs;
  }

  /**
   * A change that would restart the app: `writtenAt` is the file's mtime (or when the change was
   * seen, for a deletion), `start` when the current instance was started, `content` the file's
   * bytes now if it was written right after it. True: it is the loop's own write, no restart is due.
   */
  isLoop(file: string, writtenAt: number, start: number | null, content: Buffer | undefined): boolean {
    if (!this.#note(file, writtenAt, start, content)) return false;
    if (this.#muted.has(file)) return this.#sameLoop(file, content);
    const run = this.#runs.get(file);
    const same = run !== undefined && alike(run.content, content) ? run.same + 1 : 1;
    if (same >= loopStreak) {
      this.#muted.set(file, run?.content === 'app' ? 'app' : content);
      this.#unreported.push(file);
      // The other files the same start writes arrive within a few ms: one report names them all.
      this.#cancelReport ??= this.options.after(loopReportDelayMs, () => this.#report());
      return true;
    }
    const starts = (run?.starts ?? 0) + 1;
    if (starts >= loopWarnStreak && !this.#warned.has(file)) {
      this.#warned.add(file);
      const shown = this.#relative(file);
      this.options.logger.warn(
        `${shown} changed right after each of the last ${starts} starts, with new content each time: if the app writes it, ignore it (${ignoreFlag(shown)} or .gitignore)`,
      );
    }
    return false;
  }

  /**
   * Only the loop's own write is dropped: new bytes right after a start may be a person's edit
   * (saving an unchanged file three times in a row looks like a loop too), or what the app now
   * generates from one; they restart, and the loop's write is then those bytes. What the app was
   * caught writing is its own whatever the bytes.
   */
  #sameLoop(file: string, content: Buffer | undefined): boolean {
    const loop = this.#muted.get(file);
    // Empty: the loop's in-place rewrite seen between its truncate and its write.
    if (loop === 'app' || content?.length === 0 || alike(loop, content)) return true;
    if (content !== undefined) this.#muted.set(file, content);
    return false;
  }

  /**
   * The instance held `file` open for writing when it changed: dropped as its data, and noted
   * as the app's own write, so that the next start writing it again is the loop whatever bytes
   * this one was caught half-way through.
   */
  noteOwnWrite(file: string, writtenAt: number, start: number | null): void {
    this.#note(file, writtenAt, start, 'app');
  }

  /** Records a write right after the current start; false when it is not right after one. */
  #note(file: string, writtenAt: number, start: number | null, written: Written): boolean {
    if (start === null) return false;
    if (start !== this.#start) this.#nextStart(start);
    if (!this.isRightAfter(writtenAt, start)) return false;
    // A write reported again after the next start (a second event, the watcher's late re-check),
    // within the mtime slack of a quick restart, is the one that set that start off, not a new one.
    if (this.#runs.get(file)?.at === writtenAt) return false;
    // The app's own write stays known as such, whatever else the same start shows of it.
    if (this.#early.get(file)?.written !== 'app') this.#early.set(file, { written, at: writtenAt });
    return true;
  }

  /** Idempotent. */
  close(): void {
    this.#cancelReport?.();
    this.#cancelReport = undefined;
  }

  #nextStart(start: number): void {
    if (this.#start !== null) {
      const runs = new Map<string, Run>();
      for (const [file, { written: content, at }] of this.#early) {
        const run = this.#runs.get(file);
        const same = run !== undefined && alike(run.content, content);
        runs.set(file, { starts: (run?.starts ?? 0) + 1, same: same ? run.same + 1 : 1, content, at });
      }
      this.#runs = runs;
    }
    this.#early = new Map();
    this.#start = start;
  }

  #report(): void {
    this.#cancelReport = undefined;
    const files = this.#unreported.splice(0).map((file) => this.#relative(file));
    const shown = files.slice(0, 3);
    const more = files.length > shown.length ? ` (+${files.length - shown.length} more)` : '';
    const [them, change] = files.length === 1 ? ['it', 'it changes'] : ['them', 'they change'];
    this.options.logger.warn(
      `restart loop: ${shown.join(', ')}${more} got the same write right after each of the last ${loopStreak} starts: the app writes ${them} itself. ` +
        `devreload no longer restarts when ${change} that way right after a start; to ignore ${them} for good: ${shown.map(ignoreFlag).join(' ')} (or .gitignore)`,
    );
  }

  #relative(file: string): string {
    return path.relative(this.options.cwd, file) || '.';
  }
}

// A POSIX shell's single quotes (log/shell-quote.ts lives in the CLI's bundle, not the watcher's).
function ignoreFlag(file: string): string {
  return `--ignore '${file.replace(/'/g, `'\\''`)}'`;
}
