import type { ChokidarOptions } from 'chokidar';
import type { StatsLike } from './ignore-rules.js';
import type { WatcherOptions } from './watcher-types.js';

/** What each root's chokidar instance is given, and why each setting differs from chokidar's default. */
export function chokidarOptions(
  options: WatcherOptions,
  ignoreInitial: boolean,
  ignored: (candidate: string, stats?: StatsLike) => boolean,
): ChokidarOptions {
  const polling = options.poll !== undefined;
  return {
    // Files that exist at start-up are the app's starting point, not changes. A root
    // watched afresh after it was replaced reports its new content as added instead.
    ignoreInitial,
    // awaitWriteFinish would hold every event until the file size is stable for its
    // threshold (2 s by default): that latency lands on every restart. Source files are
    // written in one go; the supervisor's quiet window already absorbs bursts.
    awaitWriteFinish: false,
    usePolling: polling,
    // chokidar merges options with a spread: an explicit undefined would erase its default.
    ...(polling ? { interval: options.poll, binaryInterval: options.poll } : {}),
    // `atomic` would hold every unlink for 100 ms to pair it with an add as one `change`.
    // The quiet window already folds an editor's unlink + add into one restart, so the
    // hold only made deletions late and split a rename (add now, unlink later) in two.
    atomic: false,
    // Following symlinks lets a link to an ancestor (`loop -> ..`) be walked 40 levels deep
    // (until ELOOP), every file reported once per level; a link out of the project can pull
    // in a huge tree. Links are watched as links: watch a target explicitly to follow it.
    followSymlinks: false,
    ignored,
  };
}
