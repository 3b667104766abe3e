import { lstat, readdir } from 'node:fs/promises';
import type { Dirent } from 'node:fs';
import path from 'node:path';
import { isErrnoException } from '../errors.js';
import type { StatsLike } from './ignore-rules.js';
import { rescanDelayMs } from '../tuning.js';

/**
 * Closes a chokidar race on folders created after start-up: chokidar reports the
 * folder, reads it, and only then attaches its watcher, so a file or folder created
 * in between is never reported, and such a folder is never watched at all (measured:
 * ~1% of `mkdir -p a/b && write a/b/x.ts` lose x.ts). A short while after each new
 * folder, read it once more and report what chokidar did not.
 *
 * Under heavy load chokidar may report an entry after this rescan did: the duplicate
 * `add` lands in the same burst and costs no extra restart.
 */
export const RESCAN_DELAY_MS = rescanDelayMs;

type Kind = 'add' | 'addDir';

export interface NewFolderRescanOptions {
  readonly delayMs: number;
  readonly isIgnored: (absPath: string, stats: StatsLike) => string | undefined;
  readonly report: (kind: Kind, absPath: string) => void;
  /** Asks chokidar to watch a folder it missed (and everything below it). */
  readonly watchFolder: (absPath: string) => void;
  /** Asks chokidar to drop what it holds for a path and watch it afresh (file replaced by a folder). */
  readonly rewatch: (absPath: string) => void;
  readonly onError: (error: Error) => void;
}

interface Pending {
  readonly timer: NodeJS.Timeout;
  /** Entries already reported since the folder appeared. */
  readonly reported: Set<string>;
  /** Inside a folder handed to watchFolder(): chokidar watches it all but reports nothing. */
  readonly silentSubtree: boolean;
}

export class NewFolderRescan {
  readonly #options: NewFolderRescanOptions;
  readonly #pending = new Map<string, Pending>();
  /** Unlinked files to look at again; an addDir for the same path since then settles it. */
  readonly #replaced = new Set<string>();
  #closed = false;

  constructor(options: NewFolderRescanOptions) {
    this.#options = options;
  }

  /** Feed every change chokidar reports after the initial scan. */
  observe(kind: string, absPath: string): void {
    this.#pending.get(path.dirname(absPath))?.reported.add(absPath);
    this.#replaced.delete(absPath);
    if (kind === 'addDir') this.#schedule(absPath, false);
    // chokidar reports a file replaced by a folder as `unlink`, or as `change` when both
    // happen between two of its looks.
    if (kind === 'unlink' || kind === 'change') this.#checkReplaced(absPath);
  }

  /**
   * A file replaced by a folder of the same name (`rm app.js && mkdir app.js`): chokidar
   * reports the unlink but, when both happen at once, never the folder, and never watches it.
   */
  #checkReplaced(file: string): void {
    if (this.#closed) return;
    this.#replaced.add(file);
    setTimeout(() => {
      if (this.#closed || !this.#replaced.delete(file)) return;
      lstat(file).then(
        (stats) => {
          if (this.#closed || !stats.isDirectory() || this.#options.isIgnored(file, stats) !== undefined) return;
          this.#options.rewatch(file);
          this.#options.report('addDir', file);
          this.#schedule(file, false);
        },
        () => undefined,
      );
    }, this.#options.delayMs);
  }

  close(): void {
    this.#closed = true;
    for (const pending of this.#pending.values()) clearTimeout(pending.timer);
    this.#pending.clear();
  }

  #schedule(folder: string, silentSubtree: boolean): void {
    if (this.#closed || this.#pending.has(folder)) return;
    const timer = setTimeout(() => void this.#rescan(folder), this.#options.delayMs);
    this.#pending.set(folder, { timer, reported: new Set(), silentSubtree });
  }

  async #rescan(folder: string): Promise<void> {
    let entries: Dirent[] | undefined;
    try {
      entries = await readdir(folder, { withFileTypes: true });
    } catch (error) {
      // Gone again (or replaced by a file) before we looked: chokidar reports that.
      if (!isErrnoException(error) || (error.code !== 'ENOENT' && error.code !== 'ENOTDIR')) {
        this.#options.onError(error instanceof Error ? error : new Error(String(error)));
      }
    }
    const pending = this.#pending.get(folder);
    this.#pending.delete(folder);
    if (this.#closed || entries === undefined || pending === undefined) return;
    for (const entry of entries) {
      const child = path.join(folder, entry.name);
      // Symlinks and special files stay chokidar's business (it stats through links).
      if (pending.reported.has(child) || !(entry.isFile() || entry.isDirectory())) continue;
      if (this.#options.isIgnored(child, entry) !== undefined) continue;
      if (entry.isFile()) {
        this.#options.report('add', child);
        continue;
      }
      if (!pending.silentSubtree) this.#options.watchFolder(child);
      this.#options.report('addDir', child);
      this.#schedule(child, true);
    }
  }
}
