import { existsSync, lstatSync, statSync } from 'node:fs';
import path from 'node:path';
import type { IgnoreRules, StatsLike } from './ignore-rules.js';
import type { RootWatch } from './root-watch.js';
import { mtimeSlackMs, recheckMs, rulesSettle } from '../tuning.js';

export interface LiveRulesOptions {
  readonly rules: IgnoreRules;
  readonly rootOf: (target: string) => RootWatch | undefined;
  readonly isIgnored: (candidate: string, stats: StatsLike) => boolean;
  /** False during the initial scan and once closing: nothing is announced then. */
  readonly isLive: () => boolean;
  /** The new rules are in force and what they un-ignored is watched. */
  readonly announce: (file: string) => void;
  /** Wall-clock milliseconds, comparable with file times (tests set when the rules changed). */
  readonly wall?: () => number;
}

/**
 * Keeps the .gitignore rules live. When a .gitignore is written, created or deleted, the rules
 * are re-read, so the next event meets the new ones. What they now ignore is dropped by the check
 * every event goes through; what they no longer ignore was never read by chokidar (pruned), so it
 * is watched now, silently: it is where the next change may come from, not a change itself.
 */
export class LiveRules {
  /** Each folder or file the rules stopped ignoring → when (wall clock). */
  readonly #unignored = new Map<string, number>();

  constructor(private readonly options: LiveRulesOptions) {}

  /**
   * Whether an `add`/`addDir` event is chokidar finding what a rule change un-ignored, not a
   * change: the path is under an un-ignored one and its inode has not changed (ctime: content,
   * metadata, a rename, a copy) since the rules changed. chokidar watches such a folder
   * silently when it is re-added, but a re-read of its parent that began meanwhile reports
   * its entries as new (seen in CI under load). A file created, copied or moved there later
   * (even with an old mtime, as `cp -p` or tar leave it) has a new ctime and is a change.
   */
  isDiscovery(absolute: string): boolean {
    let since: number | undefined;
    for (const [top, at] of this.#unignored) if (absolute === top || absolute.startsWith(top + path.sep)) since = Math.max(since ?? 0, at);
    if (since === undefined) return false;
    try {
      return lstatSync(absolute).ctimeMs + mtimeSlackMs < since;
    } catch {
      return false;
    }
  }

  reload(file: string): void {
    // A .gitignore is often written in two steps (truncate, then write): the event may come for
    // the truncate, and chokidar drops a second change within 50 ms. So look again just after
    // (as TrailingChanges does for source files), re-read if the file changed meanwhile, and
    // only then announce the rules.
    const seen = signature(file);
    const tops = this.#apply(file);
    setTimeout(() => {
      if (!this.options.isLive()) return;
      const later = signature(file) === seen ? [] : this.#apply(file);
      this.#announce(file, [...new Set([...tops, ...later])], 0, 0);
    }, recheckMs).unref();
  }

  /** Re-reads the rules and watches what they no longer ignore; returns those paths (the tops). */
  #apply(file: string): string[] {
    const unignored = this.options.rules.reloadGitignore(file);
    // Only the tops: chokidar walks a folder it adds, and re-adding a child while its folder is
    // being re-added closes the child's fresh handle. rewatch, not add: a path watched before a
    // rule hid it still holds chokidar's dead handle.
    const tops = unignored.filter((target) => !unignored.some((other) => other !== target && target.startsWith(other + path.sep)));
    const now = (this.options.wall ?? Date.now)();
    for (const target of tops) {
      this.#unignored.set(target, now);
      this.options.rootOf(target)?.rewatch(target);
    }
    return tops;
  }

  /**
   * Announces once chokidar watches what was un-ignored (its add() is asynchronous and reports no
   * end), so the next write there is seen. A re-read of the parent folder that chokidar began
   * under the old rules drops a re-added folder again when it ends (seen under load): re-add it,
   * and announce only after two looks in a row found everything watched.
   */
  #announce(file: string, tops: readonly string[], attempt: number, settledLooks: number): void {
    if (!this.options.isLive()) return;
    let settled = true;
    for (const target of tops) {
      const root = this.options.rootOf(target);
      if (root === undefined || root.isWatching(target, this.options.isIgnored)) continue;
      settled = false;
      if (attempt > 0 && !root.isListed(target) && existsSync(target)) root.rewatch(target);
    }
    const looks = settled ? settledLooks + 1 : 0;
    if (looks >= 2 || attempt >= rulesSettle.attempts) {
      this.options.announce(file);
      return;
    }
    setTimeout(() => this.#announce(file, tops, attempt + 1, looks), rulesSettle.pollMs);
  }
}

function signature(file: string): string {
  try {
    const stats = statSync(file);
    return `${stats.ino}:${stats.size}:${stats.mtimeMs}`;
  } catch {
    return 'absent';
  }
}
