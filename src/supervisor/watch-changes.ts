import { statSync } from 'node:fs';
import { stat } from 'node:fs/promises';
import path from 'node:path';
import { catchUpBatch, mtimeSlackMs } from '../tuning.js';
import { fileKey, lookAt } from '../watch/file-look.js';
import { findLinkedRoots } from '../watch/linked-roots.js';
import { createWatcher, type FileChange, type Watcher } from '../watch/watcher.js';
import { namedByGlobs } from '../watch/user-globs.js';
import { changeRules, reloadOnlyRoots, routeChange } from '../proxy/reload-only.js';
import { ChangeFilter } from './change-filter.js';
import { ownOutputFiles } from './own-output.js';
import type { ChangeSource, WatchRequest } from './watch-request.js';

export { findLinkedRoots } from '../watch/linked-roots.js';

/**
 * The watcher as the supervisor sees it: relevant changes, minus the late re-check's reports
 * of writes the running instance already loaded, minus what devreload and the app write
 * themselves (change-filter.ts). Throws (a bad glob, an unreadable .gitignore) before anything
 * is watched.
 *
 * The first instance is spawned before the watcher exists (the watcher's import and scan would
 * otherwise delay it), so once the scan is done every watched file written after that spawn is
 * reported as a change: an edit made in between is not lost.
 */
export function watchChanges(request: WatchRequest): ChangeSource & Pick<Watcher, 'getWatched'> {
  const { options, logger, instanceStartedAt } = request;
  /** A `--reload-only` file changed: the pages reload, the app keeps running. */
  const onReloadOnly = request.onReloadOnly ?? (() => undefined);
  const outputs = ownOutputFiles();
  // Only what would restart the app is judged: a page reload for a file the app wrote (CSS it
  // compiled) is what --reload-only is for, and it sets nothing off.
  const filter = new ChangeFilter({
    pass: request.onChange,
    logger,
    cwd: options.cwd,
    clock: { wall: () => Date.now(), after },
    outputs,
    instanceStartedAt,
    buildEndedAt: request.buildEndedAt ?? (() => null),
    look: lookAt,
    openForWriting: request.openForWriting ?? (() => []),
  });
  // Where links lead out of the watched folders is watched as well, as workspace packages are.
  const linkedRoots = findLinkedRoots({ roots: options.watch, cwd: options.cwd, ignore: options.ignore, gitignore: options.gitignore });
  // Env files are watched wherever they are: a change restarts the app with the new values.
  const watched = [...options.watch, ...linkedRoots, ...options.envFiles];
  const rules = changeRules(watched, options.reloadOnly, options.cwd);
  const route = (change: FileChange) => {
    const to = routeChange(change.path, rules);
    if (to === 'restart') filter.observe(change);
    else if (to === 'reload') onReloadOnly(change.path);
  };
  const watcher = createWatcher({
    paths: [...watched, ...reloadOnlyRoots(options.reloadOnly, options.cwd, watched)],
    // A --reload-only file is named by its glob: neither --ext nor .gitignore filters it out.
    named: namedByGlobs(options.reloadOnly, options.cwd),
    cwd: options.cwd,
    ext: options.ext,
    ignore: options.ignore,
    gitignore: options.gitignore,
    poll: options.poll,
    onIgnored:
      options.logLevel === 'verbose'
        ? (p, rule) => {
            // Each line about devreload's own output file would be a write to it, and so another line.
            if (outputs.size > 0 && isOneOf(p, outputs)) return;
            logger.verbose(`ignored ${path.relative(options.cwd, p)} (${rule})`);
          }
        : undefined,
  });
  const loadedBy = (mtimeMs: number, started: number | null) => started !== null && mtimeMs + mtimeSlackMs < started;
  watcher.on('change', (change) => {
    // A write chokidar dropped, found later: an instance started after it has loaded it
    // (keep the mtime's few ms of slack on the side of restarting).
    if (change.mtimeMs !== undefined && loadedBy(change.mtimeMs, instanceStartedAt())) return;
    route(change);
  });
  watcher.on('error', (error) => logger.warn(error.message));
  // A --reload-only file written before the scan was done needs no reload: no page had it yet.
  const caughtUp = (changed: string) => routeChange(changed, rules) === 'restart' && filter.observe({ kind: 'change', path: changed });
  void watcher.ready.then(() => catchUp(watcher, Date.now(), instanceStartedAt, loadedBy, caughtUp));
  return {
    ready: watcher.ready,
    linkedRoots,
    getWatched: () => watcher.getWatched(),
    close: () => {
      filter.close();
      return watcher.close();
    },
  };
}

function after(ms: number, fire: () => void): () => void {
  const timer = setTimeout(fire, ms);
  return () => clearTimeout(timer);
}

function isOneOf(file: string, keys: ReadonlySet<string>): boolean {
  try {
    return keys.has(fileKey(statSync(file, { bigint: true })));
  } catch {
    return false;
  }
}

/**
 * Reports the watched files written after the instance started and before the scan was done.
 * A write after `readyAt` is the watcher's to report: reporting it here too could come first
 * and make the watcher's own report a second restart.
 */
async function catchUp(
  watcher: Watcher,
  readyAt: number,
  instanceStartedAt: () => number | null,
  loadedBy: (mtimeMs: number, started: number | null) => boolean,
  onChange: (changed: string) => void,
): Promise<void> {
  if (instanceStartedAt() === null) return;
  const files = Object.entries(watcher.getWatched()).flatMap(([folder, names]) => names.map((name) => path.join(folder, name)));
  for (let index = 0; index < files.length; index += catchUpBatch) {
    const stats = await Promise.all(files.slice(index, index + catchUpBatch).map((file) => stat(file).then((s) => (s.isFile() ? s.mtimeMs : undefined), () => undefined)));
    // Compared with the instance running now: a write the watcher already reported has
    // restarted the app since, and the instance it started has loaded it.
    const started = instanceStartedAt();
    stats.forEach((mtimeMs, offset) => {
      if (mtimeMs !== undefined && mtimeMs <= readyAt && !loadedBy(mtimeMs, started)) onChange(files[index + offset] as string);
    });
  }
}
