import { EventEmitter } from 'node:events';
import path from 'node:path';
import type { EventName } from 'chokidar/handler.js';
import { createIgnoreMatcher, findWatchRoot } from './ignore-rules.js';
import { isInside } from './gitignore-lookup.js';
import type { IgnoreMatcher, IgnoreRules, StatsLike } from './ignore-rules.js';
import { NewFolderRescan, RESCAN_DELAY_MS } from './new-folder-rescan.js';
import { RootWatch } from './root-watch.js';
import { watchRuleFiles } from './rule-files.js';
import type { RuleFileWatch } from './rule-files.js';
import { FALLBACK_POLL_MS, PollingFallback } from './polling-fallback.js';
import { TrailingChanges } from './trailing-change.js';
import { chokidarOptions } from './chokidar-options.js';
import { WatchErrorReports } from './watch-errors.js';
import { returnCheckMs } from '../tuning.js';
import { LiveRules } from './live-rules.js';
import { explainingIgnored } from './verbose-ignored.js';
import { pollingInterval } from './polling-env.js';
import { checkEventless } from './eventless-mounts.js';

import type { ChangeKind, Watcher, WatcherEvents, WatcherOptions } from './watcher-types.js';

export type { ChangeKind, FileChange, Watcher, WatcherEvents, WatcherOptions } from './watcher-types.js';

const CHANGE_KINDS: ReadonlySet<EventName> = new Set(['add', 'change', 'unlink', 'addDir', 'unlinkDir']);
// Events carry their kind but not always stats; the kind says file or folder for sure.
const FILE: StatsLike = Object.freeze({ isFile: () => true, isDirectory: () => false });
const FOLDER: StatsLike = Object.freeze({ isFile: () => false, isDirectory: () => true });
const RETURN_CHECK_MS = returnCheckMs;

export function createWatcher(options: WatcherOptions): Watcher {
  // CHOKIDAR_USEPOLLING in the environment is a polling default below `poll` (polling-env.ts).
  return new ChokidarWatcher({ ...options, poll: pollingInterval(options.poll) });
}

class ChokidarWatcher extends EventEmitter<WatcherEvents> implements Watcher {
  readonly ready: Promise<void>;
  readonly #paths: readonly string[];
  readonly #roots: ReadonlyMap<string, RootWatch>;
  readonly #isIgnored: IgnoreMatcher;
  readonly #rules: IgnoreRules;
  readonly #explainIgnored: ((candidate: string) => void) | undefined;
  /** With --ext a folder is no change of its own (its matching files are). */
  readonly #foldersSilent: boolean;
  readonly #ruleFiles: RuleFileWatch | undefined;
  readonly #liveRules: LiveRules;
  readonly #rescan: NewFolderRescan;
  readonly #trailing = new TrailingChanges((changed, mtimeMs) => this.#emitChange('change', changed, mtimeMs));
  #markReady: () => void = () => {};
  #isReady = false;
  #closing: Promise<void> | undefined;
  readonly #errors: WatchErrorReports;
  readonly #fallback: PollingFallback;

  constructor(options: WatcherOptions) {
    super();
    this.#paths = [...new Set(options.paths.map((root) => path.resolve(root)))];
    this.#errors = new WatchErrorReports({
      cwd: options.cwd,
      isWatched: (absolute) => findWatchRoot(this.#paths, absolute) !== undefined,
      poll: (absolute) => this.#fallback.add(absolute),
      emit: (error) => this.emit('error', error),
      pollingMs: FALLBACK_POLL_MS,
    });
    const matcher = createIgnoreMatcher(options, (error) => this.#onError(error));
    this.#rules = matcher;
    this.#foldersSilent = options.ext !== undefined;
    this.#isIgnored = matcher;
    this.#explainIgnored = explainingIgnored(matcher, options.onIgnored);
    this.#liveRules = new LiveRules({
      rules: matcher,
      rootOf: (target) => this.#rootOf(target),
      isIgnored: (child, stats) => this.#isIgnored(child, stats) !== undefined,
      isLive: () => this.#isReady && this.#closing === undefined,
      announce: (file) => this.emit('rules', file),
    });
    this.#rescan = new NewFolderRescan({
      // When polling, chokidar notices a new entry only at its next poll: look after it.
      delayMs: Math.max(RESCAN_DELAY_MS, 2 * (options.poll ?? 0)),
      isIgnored: this.#isIgnored,
      report: (kind, missed) => this.#emitChange(kind, missed),
      watchFolder: (missed) => this.#rootOf(missed)?.add(missed),
      rewatch: (replaced) => this.#rootOf(replaced)?.rewatch(replaced),
      onError: (error) => this.#onError(error),
    });
    this.#fallback = new PollingFallback(
      (candidate, stats) => {
        const root = findWatchRoot(this.#paths, candidate);
        return root === undefined || this.#ignoredUnder(root)(candidate, stats);
      },
      (event, changed) => this.#onChange(event, changed),
      (error) => this.#onError(error),
    );
    this.#roots = new Map(
      this.#paths.map((root) => [
        root,
        new RootWatch(
          root,
          (ignoreInitial) => chokidarOptions(options, ignoreInitial, this.#ignoredUnder(root)),
          {
            onEvent: (event, changed) => this.#onChange(event, changed),
            onError: (error) => this.#onError(error),
            onGone: (kind, gone) => this.#emitChange(kind, gone),
            onRawEntry: (entry) => {
              if (this.#isReady && this.#closing === undefined) this.#explainIgnored?.(entry);
            },
          },
          options.poll ?? RETURN_CHECK_MS,
        ),
      ]),
    );
    this.#ruleFiles = watchRuleFiles(
      matcher.outsideRuleFiles(),
      options.poll,
      (file) => this.#reloadRules(file),
      (error) => this.#onError(error),
    );
    const roots = [...this.#roots.values()];
    this.ready = new Promise((resolve) => {
      this.#markReady = resolve;
    });
    // A root on a mount that may send no events is said once, before the watcher is ready.
    const eventless = checkEventless(this.#paths, options.cwd, options.poll).then((warning) => warning && this.#onError(warning));
    void Promise.all([...roots.map((root) => root.ready), this.#ruleFiles?.ready, eventless]).then(() => {
      if (this.#closing !== undefined) return;
      this.#isReady = true;
      for (const root of roots) root.activate();
      this.#markReady();
    });
  }

  getWatched(): Record<string, string[]> {
    const roots = [...this.#roots.values()];
    // The common case, and a copy of every name on a big tree spared (chokidar's lists are sorted).
    if (roots.length === 1) return roots[0]?.getWatched() ?? {};
    const merged: Record<string, string[]> = {};
    for (const root of roots) {
      for (const [folder, names] of Object.entries(root.getWatched())) {
        merged[folder] = [...new Set([...(merged[folder] ?? []), ...names])].sort();
      }
    }
    return merged;
  }

  close(): Promise<void> {
    if (this.#closing === undefined) {
      // Whoever awaits `ready` must not hang because the scan was cut short.
      this.#markReady();
      this.#rescan.close();
      this.#trailing.close();
      this.#closing = Promise.all([
        ...[...this.#roots.values()].map((root) => root.close()),
        this.#fallback.close(),
        this.#ruleFiles?.close(),
      ]).then(() => undefined);
    }
    return this.#closing;
  }

  #rootOf(target: string): RootWatch | undefined {
    const root = findWatchRoot(this.#paths, target);
    return root === undefined ? undefined : this.#roots.get(root);
  }

  /**
   * A root's own chokidar instance leaves nested roots to theirs: no path is watched twice.
   * Nothing outside its root either: chokidar watches a deleted file's folder (or, that one
   * gone too, the nearest ancestor that exists) for its return, which RootWatch checks for
   * itself; a deleted project had it watch and re-read all of /tmp.
   */
  #ignoredUnder(root: string): (candidate: string, stats?: StatsLike) => boolean {
    return (candidate, stats) => {
      // chokidar's paths are absolute and normal, as the roots are.
      if (!isInside(candidate, root)) return true;
      const owner = findWatchRoot(this.#paths, candidate);
      if (owner !== undefined && owner !== root && findWatchRoot([root], owner) === root) return true;
      return this.#isIgnored(candidate, stats) !== undefined;
    };
  }

  #onChange(event: EventName, changed: string): void {
    // Changes made during the initial scan are part of the state the app starts from,
    // never a reason to restart it.
    if (!this.#isReady || this.#closing !== undefined || !CHANGE_KINDS.has(event)) return;
    const kind = event as ChangeKind;
    const absolute = path.resolve(changed);
    if (findWatchRoot(this.#paths, absolute) === undefined) return;
    const isFolder = kind === 'addDir' || kind === 'unlinkDir';
    // chokidar already consults `ignored` before it watches a path; checking again with
    // the kind (file or folder, which chokidar's unlink path never passes as stats) keeps
    // the "only relevant paths" contract independent of chokidar's internals.
    if (this.#isIgnored(absolute, isFolder ? FOLDER : FILE) !== undefined) return;
    if (!isFolder && this.#rules.isRuleFile(absolute)) {
      // The rules changed, not the app's input: nothing restarts.
      this.#reloadRules(absolute);
      return;
    }
    // What a rule change un-ignored, found by chokidar: there all along, not a change.
    if ((kind === 'add' || kind === 'addDir') && this.#liveRules.isDiscovery(absolute)) return;
    this.#rescan.observe(kind, absolute);
    if (kind === 'add' || kind === 'change') this.#trailing.observe(absolute);
    this.#emitChange(kind, absolute);
  }

  #reloadRules(file: string): void {
    if (this.#closing === undefined) this.#liveRules.reload(file);
  }

  #emitChange(kind: ChangeKind, absolute: string, mtimeMs?: number): void {
    if (this.#foldersSilent && (kind === 'addDir' || kind === 'unlinkDir')) return;
    if (this.#isReady && this.#closing === undefined) this.emit('change', mtimeMs === undefined ? { kind, path: absolute } : { kind, path: absolute, mtimeMs });
  }

  #onError(error: unknown): void {
    if (this.#closing === undefined) this.#errors.report(error);
  }
}
