import path from 'node:path';
import { FSWatcher } from 'chokidar';

/**
 * The .gitignore files that govern a watched path without being inside one: with
 * `--watch src`, the project's own .gitignore (and one in any folder between the project and
 * src). No root's watcher sees them, so they get a watcher of their own, on those files only.
 */
export function outsideRuleFiles(cwd: string, roots: readonly string[], isRuleFile: (file: string) => boolean): string[] {
  const files = new Set<string>();
  for (const root of roots) {
    if (!isInsideOrSame(root, cwd)) continue;
    // The folders from cwd down to the root's parent (a root's own .gitignore is inside it).
    for (let folder = path.dirname(root); isInsideOrSame(folder, cwd); folder = path.dirname(folder)) {
      const file = path.join(folder, '.gitignore');
      if (isRuleFile(file) && !roots.some((other) => isInsideOrSame(file, other))) files.add(file);
      if (folder === cwd || path.dirname(folder) === folder) break;
    }
  }
  return [...files].sort();
}

export interface RuleFileWatch {
  readonly ready: Promise<void>;
  close(): Promise<void>;
}

/** Watches `files` (which may not exist yet) and calls `onChange` when one is written, created or deleted. */
export function watchRuleFiles(
  files: readonly string[],
  /** Polling interval in ms (`--poll`: no inotify at all); undefined = native events. */
  poll: number | undefined,
  onChange: (file: string) => void,
  onError: (error: unknown) => void,
): RuleFileWatch | undefined {
  if (files.length === 0) return undefined;
  const wanted = new Set(files);
  // chokidar watches a missing file's folder for the file to appear, filtered to that name.
  const fsw = new FSWatcher({
    ignoreInitial: true,
    awaitWriteFinish: false,
    atomic: false,
    followSymlinks: false,
    usePolling: poll !== undefined,
    // chokidar merges options with a spread: an explicit undefined would erase its default.
    ...(poll !== undefined ? { interval: poll, binaryInterval: poll } : {}),
  });
  const ready = new Promise<void>((resolve) => fsw.once('ready', () => resolve()));
  fsw.on('all', (event, changed) => {
    const file = path.resolve(changed);
    if ((event === 'add' || event === 'change' || event === 'unlink') && wanted.has(file)) onChange(file);
  });
  fsw.on('error', onError);
  fsw.add([...files]);
  return { ready, close: () => fsw.close() };
}

function isInsideOrSame(target: string, folder: string): boolean {
  const relative = path.relative(folder, target);
  return relative === '' || (!relative.startsWith('..') && !path.isAbsolute(relative));
}
