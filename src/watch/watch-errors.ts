import path from 'node:path';
import { DevreloadError, isErrnoException } from '../errors.js';

const RAISE_WATCHES = 'sudo sysctl -w fs.inotify.max_user_watches=524288';
const PERSIST_WATCHES =
  'echo fs.inotify.max_user_watches=524288 | sudo tee /etc/sysctl.d/60-devreload.conf';
const NARROW = 'or watch fewer files (narrower watch paths, more ignore globs), or use polling';

/**
 * Turns "the OS ran out of watchers / file descriptors" into one actionable line.
 * Returns undefined for every other error, which the caller reports as it is.
 *
 * On Linux fs.watch() fails with ENOSPC (not a full disk: the inotify watch limit,
 * fs.inotify.max_user_watches, often 8192 on older kernels) once per file it could not
 * watch; on macOS and BSD every watched file costs a file descriptor, hence EMFILE.
 */
export function toWatchLimitError(error: unknown, pollingMs?: number): DevreloadError | undefined {
  if (!isErrnoException(error)) return undefined;
  const where = typeof error.path === 'string' ? ` ${error.path}` : '';
  const fallback = pollingMs === undefined ? '' : ` Meanwhile devreload polls what it could not watch (every ${pollingMs} ms).`;
  switch (error.code) {
    case 'ENOSPC':
      return new DevreloadError(
        `Cannot watch${where}: the system limit on file watchers is reached (ENOSPC, ` +
          `fs.inotify.max_user_watches). Raise it with \`${RAISE_WATCHES}\` ` +
          `(keep it across reboots: \`${PERSIST_WATCHES}\`), ${NARROW}.${fallback}`,
        { cause: error },
      );
    case 'EMFILE':
    case 'ENFILE':
      return new DevreloadError(
        `Cannot watch${where}: too many open files (${error.code}). Raise the limits: ` +
          `\`ulimit -n 65536\` in this shell, and on Linux \`${RAISE_WATCHES}\` and ` +
          `\`sudo sysctl -w fs.inotify.max_user_instances=1024\`; ${NARROW}.${fallback}`,
        { cause: error },
      );
    default:
      return undefined;
  }
}

/**
 * A folder or file devreload may not read (EACCES/EPERM): one line that names it relative to
 * the project and says it is skipped. Returns undefined for every other error.
 */
export function toUnreadableError(error: unknown, cwd: string): { path: string; error: Error } | undefined {
  if (!isErrnoException(error) || (error.code !== 'EACCES' && error.code !== 'EPERM') || typeof error.path !== 'string') return undefined;
  const shown = path.relative(cwd, error.path) || '.';
  return {
    path: error.path,
    error: new Error(`cannot read ${shown} (${error.code}: permission denied) — skipping it; changes inside it will not restart the app`, { cause: error }),
  };
}

export interface WatchErrorParts {
  /** The project root: unreadable paths are named relative to it. */
  readonly cwd: string;
  /** Whether an absolute path is under a watched root. */
  readonly isWatched: (absolute: string) => boolean;
  /** Polls a path the OS would not watch natively (see PollingFallback). */
  readonly poll: (absolute: string) => void;
  readonly emit: (error: Error) => void;
  /** The fallback's interval, named in the watch-limit message. */
  readonly pollingMs: number;
}

/**
 * Which of chokidar's errors reach the user, and how often: a watch limit once (fs.watch()
 * fails once per file past it: thousands of identical errors), an unreadable path once per
 * path (chokidar retries it on every event in its parent), anything else as it is.
 */
export class WatchErrorReports {
  #limitReported = false;
  readonly #unreadable = new Set<string>();

  constructor(private readonly parts: WatchErrorParts) {}

  report(error: unknown): void {
    const limit = toWatchLimitError(error, this.parts.pollingMs);
    if (limit !== undefined) {
      // Whatever the OS would not watch natively is polled instead.
      const failed = isErrnoException(error) && typeof error.path === 'string' ? path.resolve(error.path) : undefined;
      if (failed !== undefined && this.parts.isWatched(failed)) this.parts.poll(failed);
      if (this.#limitReported) return;
      this.#limitReported = true;
      this.parts.emit(limit);
      return;
    }
    const unreadable = toUnreadableError(error, this.parts.cwd);
    if (unreadable !== undefined) {
      if (this.#unreadable.has(unreadable.path)) return;
      this.#unreadable.add(unreadable.path);
      this.parts.emit(unreadable.error);
      return;
    }
    this.parts.emit(error instanceof Error ? error : new Error(String(error)));
  }
}
