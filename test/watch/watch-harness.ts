import { mkdir, mkdtemp, realpath, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { createWatcher } from '../../src/watch/watcher.js';
import type { FileChange, Watcher, WatcherOptions } from '../../src/watch/watcher.js';

const WAIT_MS = 10_000;

export interface WatchSession {
  readonly watcher: Watcher;
  readonly changes: FileChange[];
  readonly errors: Error[];
  readonly ignored: { path: string; rule: string }[];
  /** The .gitignore files whose rules were re-read, in order. */
  readonly rules: string[];
  /** Resolves once the rules have been re-read `times` times in all. */
  waitForRules(times: number): Promise<void>;
  /** Resolves with the first change (already seen or future) that satisfies `predicate`. */
  waitFor(predicate: (change: FileChange) => boolean, what: string): Promise<FileChange>;
  waitForPath(file: string, kind?: FileChange['kind']): Promise<FileChange>;
  /** Changes to `file` (absolute) seen so far. */
  changesOf(file: string): FileChange[];
  describe(): string;
}

/** Temp folders and watchers to dispose of after each test, failing or not. */
export class WatchFixture {
  readonly #dirs: string[] = [];
  readonly #watchers: Watcher[] = [];

  async tempDir(): Promise<string> {
    // realpath: chokidar reports paths as given, and /tmp may be a symlink (macOS).
    const dir = await realpath(await mkdtemp(path.join(os.tmpdir(), 'devreload-watch-')));
    this.#dirs.push(dir);
    return dir;
  }

  start(options: Omit<WatcherOptions, 'onIgnored'>): WatchSession {
    const changes: FileChange[] = [];
    const errors: Error[] = [];
    const ignored: { path: string; rule: string }[] = [];
    const rules: string[] = [];
    const watcher = createWatcher({ ...options, onIgnored: (p, rule) => ignored.push({ path: p, rule }) });
    this.#watchers.push(watcher);
    watcher.on('change', (change) => changes.push(change));
    watcher.on('error', (error) => errors.push(error));
    watcher.on('rules', (file) => rules.push(file));
    const describe = () =>
      `changes: ${JSON.stringify(changes, null, 1)}\nerrors: ${errors.map((e) => e.message).join('\n')}`;
    const waitFor = (predicate: (change: FileChange) => boolean, what: string) =>
      new Promise<FileChange>((resolve, reject) => {
        const seen = changes.find(predicate);
        if (seen !== undefined) return resolve(seen);
        const timer = setTimeout(() => {
          watcher.off('change', listener);
          reject(new Error(`no change matching ${what} within ${WAIT_MS} ms\n${describe()}`));
        }, WAIT_MS);
        const listener = (change: FileChange) => {
          if (!predicate(change)) return;
          clearTimeout(timer);
          watcher.off('change', listener);
          resolve(change);
        };
        watcher.on('change', listener);
      });
    return {
      watcher,
      changes,
      errors,
      ignored,
      rules,
      waitForRules: (times) =>
        new Promise<void>((resolve, reject) => {
          if (rules.length >= times) return resolve();
          const timer = setTimeout(() => {
            watcher.off('rules', listener);
            reject(new Error(`rules re-read ${rules.length} times, not ${times}, within ${WAIT_MS} ms\n${describe()}`));
          }, WAIT_MS);
          const listener = () => {
            if (rules.length < times) return;
            clearTimeout(timer);
            watcher.off('rules', listener);
            resolve();
          };
          watcher.on('rules', listener);
        }),
      waitFor,
      waitForPath: (file, kind) =>
        waitFor((c) => c.path === file && (kind === undefined || c.kind === kind), `${kind ?? 'any'} ${file}`),
      changesOf: (file) => changes.filter((c) => c.path === file),
      describe,
    };
  }

  async dispose(): Promise<void> {
    const watchers = this.#watchers.splice(0);
    const dirs = this.#dirs.splice(0);
    await Promise.all(watchers.map((w) => w.close()));
    await Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true })));
  }
}

/** Writes a file, creating its folders. */
export async function put(file: string, content = `${Date.now()}-${Math.random()}\n`): Promise<void> {
  await mkdir(path.dirname(file), { recursive: true });
  await writeFile(file, content);
}

/** Creates files (relative to `root`) before a watcher starts. */
export async function tree(root: string, files: readonly string[]): Promise<void> {
  await Promise.all(files.map((file) => put(path.join(root, file), `initial ${file}\n`)));
}

/**
 * Event-driven proof that nothing fired: after the unwanted writes, write a sentinel
 * that must fire, wait for it, then check no change came for anything but the sentinel.
 */
export async function expectOnlySentinel(
  session: WatchSession,
  sentinel: string,
  allowed: (change: FileChange) => boolean = () => false,
): Promise<void> {
  await put(sentinel);
  await session.waitForPath(sentinel);
  const unexpected = session.changes.filter((c) => c.path !== sentinel && !allowed(c));
  if (unexpected.length > 0) {
    throw new Error(`unexpected changes: ${JSON.stringify(unexpected)}\n${session.describe()}`);
  }
}
