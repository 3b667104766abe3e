import { statSync } from 'node:fs';
import path from 'node:path';
import type { Changes } from '../core/types.js';
import type { Logger } from '../log/logger.js';
import { buildLoopStreak, mtimeSlackMs } from '../tuning.js';

/**
 * Notices a build that keeps setting itself off: its output lands in watched paths, so the
 * files that start each build were written while the previous build ran. After a few builds
 * in a row like that it says so once, naming the files and the fix (an ignore rule).
 * A person saving while a build runs does this once or twice, not `buildLoopStreak` times.
 */
export class BuildLoop {
  #window: { start: number; end: number | null } | null = null;
  #streak = 0;
  #warned = false;

  constructor(
    private readonly logger: Logger,
    private readonly cwd: string,
    private readonly mtimeOf: (file: string) => number | undefined = readMtime,
  ) {}

  /** A build starts for `changes` (null at launch) at wall-clock time `at`. */
  started(changes: Changes | null, at: number): void {
    const previous = this.#window;
    this.#window = { start: at, end: null };
    const paths = changes?.paths ?? [];
    const end = previous?.end ?? at;
    const written = (file: string): boolean => {
      const mtime = this.mtimeOf(file);
      return mtime !== undefined && previous !== null && mtime + mtimeSlackMs >= previous.start && mtime <= end + mtimeSlackMs;
    };
    if (paths.length === 0 || !paths.every(written)) {
      this.#streak = 0;
      this.#warned = false;
      return;
    }
    this.#streak += 1;
    if (this.#streak < buildLoopStreak || this.#warned) return;
    this.#warned = true;
    const shown = paths.slice(0, 3).map((file) => path.relative(this.cwd, file));
    const more = paths.length > shown.length ? ` (+${paths.length - shown.length} more)` : '';
    this.logger.warn(
      `the build seems to set itself off: ${this.#streak} builds in a row were started by files written while the previous one ran ` +
        `(${shown.join(', ')}${more}); if the build writes them, ignore them (--ignore '${shown[0] ?? ''}' or .gitignore)`,
    );
  }

  /** The build started last is over (done or cancelled). */
  ended(at: number): void {
    if (this.#window !== null) this.#window = { ...this.#window, end: at };
  }
}

function readMtime(file: string): number | undefined {
  try {
    return statSync(file).mtimeMs;
  } catch {
    return undefined;
  }
}
