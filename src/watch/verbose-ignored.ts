import { lstat } from 'node:fs';
import type { IgnoreMatcher, StatsLike } from './ignore-rules.js';
import { verboseIgnoredRepeatMs } from '../tuning.js';

const FILE: StatsLike = Object.freeze({ isFile: () => true, isDirectory: () => false });

/**
 * --verbose: which rule dropped a path that appeared, changed or went away after the initial
 * scan (what the scan skipped is not listed: a line per file beside node_modules is noise).
 * chokidar reports nothing for an ignored path, so the sign is fs.watch's raw event on its
 * folder; an editor's save raises several, so a path is told at most once per
 * `verboseIgnoredRepeatMs`. The look (an lstat, then the rules) happens off the event path:
 * a 500-file burst raises a thousand raw events, and checking each one synchronously held the
 * burst's own events back long enough to split it in two restarts.
 */
export function explainingIgnored(
  match: IgnoreMatcher,
  onIgnored: ((path: string, rule: string) => void) | undefined,
): ((candidate: string) => void) | undefined {
  if (onIgnored === undefined) return undefined;
  const told = new Map<string, number>();
  const queued = new Set<string>();
  const look = (candidate: string) => {
    const last = told.get(candidate);
    if (last !== undefined && Date.now() - last < verboseIgnoredRepeatMs) return;
    lstat(candidate, (error, stats) => {
      // Gone or unreadable: judged as a file.
      const rule = match(candidate, error === null ? stats : FILE);
      if (rule === undefined) return;
      // Bounded: a long --verbose session must not grow without limit.
      if (told.size >= 10_000) told.clear();
      told.set(candidate, Date.now());
      onIgnored(candidate, rule);
    });
  };
  return (candidate) => {
    if (queued.size === 0) {
      setImmediate(() => {
        const batch = [...queued];
        queued.clear();
        for (const entry of batch) look(entry);
      });
    }
    queued.add(candidate);
  };
}
