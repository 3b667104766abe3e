/** The watcher's public face: what it reports, what it is given, what it can do. */

import type { NamedFiles } from './user-globs.js';

export type ChangeKind = 'add' | 'change' | 'unlink' | 'addDir' | 'unlinkDir';

export interface FileChange {
  kind: ChangeKind;
  /** Absolute. */
  path: string;
  /** Only on a change found by the late re-check: the file's mtime, to compare with when the app started. */
  mtimeMs?: number;
}

export interface WatcherOptions {
  /** Absolute folders or single files, validated to exist by the caller. */
  paths: readonly string[];
  /**
   * Absolute project root: where relative globs start, and where .gitignore rules start when
   * no `.git` is found above it (otherwise they start at the repository's top).
   */
  cwd: string;
  /**
   * Extensions without dots (['ts', 'js']); undefined = every file. Never filters folders out
   * of the scan, but with an extension list a folder's own creation or removal is no change:
   * only the matching files in it are.
   */
  ext?: readonly string[];
  /**
   * Files named on purpose (`--reload-only` globs): they count whatever `ext` and .gitignore say
   * (gitignored folders are walked for them below a glob's fixed part); node_modules, VCS
   * folders and `ignore` still win.
   */
  named?: NamedFiles | undefined;
  /** picomatch globs relative to cwd; a glob matching a folder ignores everything in it. */
  ignore?: readonly string[];
  /**
   * Honour .gitignore files as git does: for each watched path, every one from the top of its
   * repository (the nearest folder with a `.git`) down. Default true. An edited .gitignore
   * re-reads the rules (no change is reported for it); the next event meets the new ones.
   */
  gitignore?: boolean;
  /** Polling interval in ms; undefined = native OS events. */
  poll?: number | undefined;
  /**
   * Called with the rule that dropped a path, once per path, for paths that appear or change
   * after the initial scan (for --verbose); what the scan itself skipped is not listed.
   */
  onIgnored?: (path: string, rule: string) => void;
}

export interface WatcherEvents {
  change: [change: FileChange];
  error: [error: Error];
  /** A .gitignore changed and its rules were re-read: from now on events meet the new ones. */
  rules: [file: string];
}

export interface Watcher {
  /** Resolves when the initial scan is done (or the watcher is closed); no event comes before. */
  readonly ready: Promise<void>;
  on(event: 'change', listener: (change: FileChange) => void): this;
  on(event: 'error', listener: (error: Error) => void): this;
  on(event: 'rules', listener: (file: string) => void): this;
  off(event: 'change', listener: (change: FileChange) => void): this;
  off(event: 'error', listener: (error: Error) => void): this;
  off(event: 'rules', listener: (file: string) => void): this;
  /** Absolute folder → names of the entries watched in it: how tests see that ignored folders cost no watches. */
  getWatched(): Record<string, string[]>;
  /** Idempotent: every call returns the same promise. */
  close(): Promise<void>;
}
