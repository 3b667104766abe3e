import path from 'node:path';
import type { Logger } from '../log/logger.js';
import type { ResolvedOptions } from '../options/resolve.js';
import { createWatcher, type Watcher } from '../watch/watcher.js';

// File mtimes come from a coarse kernel clock (one tick, up to 4 ms, behind the real time).
const mtimeSlackMs = 5;

/**
 * The watcher as the supervisor sees it: relevant changes, minus the late re-check's reports
 * of writes the running instance already loaded. Throws (a bad glob, an unreadable .gitignore)
 * before anything is watched.
 */
export function watchChanges(
  options: ResolvedOptions,
  logger: Logger,
  onChange: (changed: string) => void,
  /** Wall-clock time the current instance was asked to start, or null. */
  instanceStartedAt: () => number | null,
): Watcher {
  const watcher = createWatcher({
    paths: options.watch,
    cwd: options.cwd,
    ext: options.ext,
    ignore: options.ignore,
    gitignore: options.gitignore,
    poll: options.poll,
    onIgnored: options.logLevel === 'verbose' ? (p, rule) => logger.verbose(`ignored ${path.relative(options.cwd, p)} (${rule})`) : undefined,
  });
  watcher.on('change', (change) => {
    // A write chokidar dropped, found later: an instance started after it has loaded it
    // (keep the mtime's few ms of slack on the side of restarting).
    const started = instanceStartedAt();
    if (change.mtimeMs !== undefined && started !== null && change.mtimeMs + mtimeSlackMs < started) return;
    onChange(change.path);
  });
  watcher.on('error', (error) => logger.warn(error.message));
  return watcher;
}
