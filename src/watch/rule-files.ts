import path from 'node:path';
import { newFSWatcher } from './stays-closed.js';

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
  // chokidar watches a missing file's folder for the file to appear, filtered to that name;
  // when that folder is missing too, it would climb to the nearest ancestor that exists (a
  // deleted project: /tmp) and read all of it on every change there. Only the files and
  // their own folders are let through.
  const allowed = new Set([...files, ...files.map((file) => path.dirname(file))]);
  const fsw = newFSWatcher({
    ignoreInitial: true,
    awaitWriteFinish: false,
    atomic: false,
    followSymlinks: false,
    usePolling: poll !== undefined,
    // chokidar merges options with a spread: an explicit undefined would erase its default.
    ...(poll !== undefined ? { interval: poll, binaryInterval: poll } : {}),
    ignored: (candidate: string) => !allowed.has(path.resolve(candidate)),
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
