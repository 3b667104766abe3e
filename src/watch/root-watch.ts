import { readdirSync, statSync } from 'node:fs';
import type { Dirent } from 'node:fs';
import path from 'node:path';
import type { FSWatcher } from 'chokidar';
import { newFSWatcher } from './stays-closed.js';
import type { ChokidarOptions } from 'chokidar';
import type { EventName } from 'chokidar/handler.js';
import { isErrnoException } from '../errors.js';
import type { StatsLike } from './ignore-rules.js';
import { StaysClosedWatcher } from './stays-closed.js';

// Past this many entries an un-ignored folder counts as watched: the walk must stay cheap.
const SETTLE_WALK_LIMIT = 10_000;

export interface RootWatchHandlers {
  /** A chokidar event (a re-created instance reports what it finds as added). */
  onEvent(kind: EventName, changed: string): void;
  onError(error: unknown): void;
  /** The root was deleted (it may come back: it is then reported as added again). */
  onGone(kind: 'unlink' | 'unlinkDir', root: string): void;
  /**
   * Something happened to this entry of a watched folder (fs.watch's raw event): the only
   * sign of activity on a path chokidar ignores, which it reports nothing for.
   */
  onRawEntry?(entry: string): void;
}

interface Identity {
  readonly id: string;
  readonly isDirectory: boolean;
}

/**
 * One chokidar instance for one watched path (a "root").
 *
 * chokidar never recovers when a root itself is deleted or replaced: its watcher stays
 * on the old inode and reports nothing ever again. That is what `rm -rf dist && tsc`
 * does to `--watch dist`, and what vim's default save (rename the original away, write
 * a new file) does to `--watch src --watch .env`. So every event on the root itself
 * re-checks its identity (device, inode, birth time); when it changed, the instance is
 * thrown away and a fresh one reports everything the new root contains as added. A
 * deleted root is reported gone and re-checked every `retryMs` (one stat) until it is back;
 * chokidar's own way, watching the parent for it, is kept out (watcher.ts): with the project
 * folder deleted too, that parent was /tmp, read in full on each change there.
 */
export class RootWatch {
  readonly root: string;
  readonly ready: Promise<void>;
  readonly #options: (ignoreInitial: boolean) => ChokidarOptions;
  readonly #handlers: RootWatchHandlers;
  readonly #retryMs: number;
  readonly #closing = new Set<Promise<void>>();
  #fsw: FSWatcher | undefined;
  #identity: Identity | undefined;
  #retry: NodeJS.Timeout | undefined;
  #verifyQueued: { deleted: boolean } | undefined;
  #active = false;
  #closed = false;

  constructor(
    root: string,
    options: (ignoreInitial: boolean) => ChokidarOptions,
    handlers: RootWatchHandlers,
    retryMs: number,
  ) {
    this.root = root;
    this.#options = options;
    this.#handlers = handlers;
    this.#retryMs = retryMs;
    this.ready = this.#start(true);
  }

  /** From now on, a replaced or deleted root is re-watched (not during the initial scan). */
  activate(): void {
    this.#active = true;
    this.#verify();
  }

  /** Asks chokidar to watch one more folder under this root (see NewFolderRescan). */
  add(folder: string): void {
    // A fresh instance may still be scanning and about to reach the folder itself:
    // adding it twice would double chokidar's listeners. (Rare path: getWatched() is O(n).)
    if (this.#fsw !== undefined && !(folder in this.#fsw.getWatched())) this.#fsw.add(folder);
  }

  /**
   * Watches a path afresh. chokidar shares one fs.watch() handle per path, so a file replaced
   * by a folder would keep the dead file's handle (no event ever again): release it first.
   */
  rewatch(target: string): void {
    if (this.#fsw === undefined) return;
    this.#fsw.unwatch(target);
    // add() also lifts the ignore that unwatch() leaves behind.
    this.#fsw.add(target);
  }

  /**
   * Whether chokidar watches `target` and, for a folder, everything in it that `isIgnored` lets
   * through: its add() is asynchronous and reports no end. Walks the folder: for rare checks.
   */
  isWatching(target: string, isIgnored: (candidate: string, stats: StatsLike) => boolean): boolean {
    const watched = this.#fsw?.getWatched();
    if (watched === undefined || !listedIn(watched, target)) return false;
    const folders = [target];
    let budget = SETTLE_WALK_LIMIT;
    for (let folder = folders.pop(); folder !== undefined; folder = folders.pop()) {
      let entries: Dirent[];
      try {
        entries = readdirSync(folder, { withFileTypes: true });
      } catch {
        continue;
      }
      const listed = watched[folder];
      for (const entry of entries) {
        if (--budget < 0) return true;
        const child = path.join(folder, entry.name);
        if (!(entry.isFile() || entry.isDirectory()) || isIgnored(child, entry)) continue;
        if (listed?.includes(entry.name) !== true) return false;
        if (entry.isDirectory()) folders.push(child);
      }
    }
    return true;
  }

  /** Whether chokidar lists `target` in its folder (it may still be reading what is inside). */
  isListed(target: string): boolean {
    const watched = this.#fsw?.getWatched();
    return watched !== undefined && listedIn(watched, target);
  }

  getWatched(): Record<string, string[]> {
    return this.#fsw?.getWatched() ?? {};
  }

  close(): Promise<void> {
    this.#closed = true;
    clearTimeout(this.#retry);
    this.#stop();
    return Promise.all(this.#closing).then(() => undefined);
  }

  #start(ignoreInitial: boolean): Promise<void> {
    // Unreadable now: chokidar reports its own error for the path; compare from scratch.
    this.#identity = tryIdentityOf(this.root);
    const fsw = newFSWatcher(this.#options(ignoreInitial));
    this.#fsw = fsw;
    const ready = new Promise<void>((resolve) => fsw.once('ready', () => resolve()));
    fsw.on('all', (event, changed) => {
      this.#handlers.onEvent(event, changed);
      // chokidar may close the root's own watcher (unlinkDir) before the raw event for
      // the root's deletion arrives: check on the root's own events too.
      if (path.resolve(changed) === this.root) this.#queueVerify(event === 'unlink' || event === 'unlinkDir');
    });
    fsw.on('error', (error) => this.#handlers.onError(error));
    fsw.on('raw', (_event, rawPath, details) => {
      // fs.watch() reports the watched path in details; fs.watchFile() (polling) as rawPath.
      const watched = hasWatchedPath(details) ? details.watchedPath : rawPath;
      if (path.resolve(watched) === this.root) this.#queueVerify(false);
      // A folder's watcher names the entry; a file's own watcher names the file itself.
      if (hasWatchedPath(details) && typeof rawPath === 'string' && rawPath !== '' && rawPath !== path.basename(watched)) {
        this.#handlers.onRawEntry?.(path.resolve(watched, rawPath));
      }
    });
    fsw.add(this.root);
    // Gone again before chokidar looked at it: chokidar watches nothing then, and says nothing.
    return ready.then(() => {
      if (this.#fsw === fsw) this.#verify();
    });
  }

  #stop(): void {
    // Synchronously releases chokidar's shared fs.watch() handle for this path, so a
    // fresh instance opens a new one on the new inode instead of joining the stale one.
    if (this.#fsw === undefined) return;
    const closing = this.#fsw.close();
    this.#fsw = undefined;
    this.#closing.add(closing);
    void closing.finally(() => this.#closing.delete(closing));
  }

  // Never from inside a chokidar callback: closing an instance there crashes chokidar's
  // polling handler, which goes on to call the listeners the close just removed.
  #queueVerify(deleted: boolean): void {
    const queued = this.#verifyQueued;
    this.#verifyQueued = { deleted: deleted || (queued?.deleted ?? false) };
    if (queued === undefined) {
      queueMicrotask(() => {
        const { deleted: rootDeleted } = this.#verifyQueued ?? { deleted: false };
        this.#verifyQueued = undefined;
        this.#verify(rootDeleted);
      });
    }
  }

  /** `deleted`: chokidar itself just reported the root gone (and said so already). */
  #verify(deleted = false): void {
    if (!this.#active || this.#closed || this.#retry !== undefined) return;
    const previous = this.#identity;
    let current: Identity | undefined;
    try {
      current = identityOf(this.root);
    } catch (error) {
      this.#handlers.onError(error);
      return;
    }
    if (!deleted && current !== undefined && current.id === previous?.id) return;
    this.#stop();
    if (current !== undefined) {
      void this.#start(false);
      return;
    }
    this.#identity = undefined;
    // Waiting first: whoever hears of the loss may close this watch (and its wait) at once.
    this.#waitForReturn();
    if (previous !== undefined && !deleted) {
      this.#handlers.onGone(previous.isDirectory ? 'unlinkDir' : 'unlink', this.root);
    }
  }

  #waitForReturn(): void {
    this.#retry = setTimeout(() => {
      this.#retry = undefined;
      if (this.#closed) return;
      if (tryIdentityOf(this.root) !== undefined) void this.#start(false);
      else this.#waitForReturn();
    }, this.#retryMs);
  }
}

function identityOf(target: string): Identity | undefined {
  try {
    const stats = statSync(target);
    // File systems hand a freed inode number straight to the next new file (ext4 does
    // for `rm -rf dist && mkdir dist`): the birth time tells the two apart.
    const id = `${stats.dev}:${stats.ino}:${stats.birthtimeMs}`;
    return { id, isDirectory: stats.isDirectory() };
  } catch (error) {
    // Missing, or a parent replaced by a file: either way there is nothing to watch now.
    if (isErrnoException(error) && (error.code === 'ENOENT' || error.code === 'ENOTDIR')) return undefined;
    throw error;
  }
}

function tryIdentityOf(target: string): Identity | undefined {
  try {
    return identityOf(target);
  } catch {
    // Unreadable counts as absent: nothing can be watched there either.
    return undefined;
  }
}

function hasWatchedPath(details: unknown): details is { watchedPath: string } {
  return (
    typeof details === 'object' &&
    details !== null &&
    typeof (details as { watchedPath?: unknown }).watchedPath === 'string'
  );
}

function listedIn(watched: Record<string, string[]>, target: string): boolean {
  return watched[path.dirname(target)]?.includes(path.basename(target)) === true;
}
