import { readdirSync, realpathSync, statSync, type Dirent, type Stats } from 'node:fs';
import path from 'node:path';
import { createIgnoreMatcher } from './ignore-rules.js';

export interface LinkedRootsRequest {
  /** The watched paths (absolute). */
  readonly roots: readonly string[];
  readonly cwd: string;
  readonly ignore: readonly string[];
  readonly gitignore: boolean;
}

/**
 * Where the symbolic links inside the watched folders lead, when that is outside every watched
 * path: each such target becomes one more watched root, as workspace packages do, so an edit
 * through `src/shared -> ../shared` restarts the app (nodemon, node --watch and tsx watch follow
 * links). chokidar itself keeps `followSymlinks: false` (chokidar-options.ts says why); this walk
 * is what makes following them safe:
 * - a link to a folder that holds a watched path (`loop -> ..`, `-> /`) is never followed: it
 *   would watch the watched tree again, level after level;
 * - a link to somewhere already watched adds nothing (its files are watched where they are);
 * - a link in an ignored place (node_modules, a gitignored folder, `--ignore`) is not looked at,
 *   and a target inside a node_modules folder is a package, not source;
 * - a new root is walked in turn, so links inside it are followed by the same rules.
 * Links made after start-up are not followed until devreload restarts. Absolute real paths, in
 * the order found.
 */
export function findLinkedRoots(request: LinkedRootsRequest): string[] {
  const known = request.roots.map(realOrSelf);
  const found: string[] = [];
  const queue = [...request.roots];
  for (let root = queue.shift(); root !== undefined; root = queue.shift()) {
    if (!isDirectory(root)) continue;
    // The watcher's own rules, for the roots known so far (a watched path is never ignored itself).
    const ignored = createIgnoreMatcher({ paths: [...request.roots, ...found], cwd: request.cwd, ignore: request.ignore, gitignore: request.gitignore }, () => undefined);
    const folders = [root];
    for (let folder = folders.pop(); folder !== undefined; folder = folders.pop()) {
      for (const entry of entriesOf(folder)) {
        const full = path.join(folder, entry.name);
        if (entry.isDirectory()) {
          if (ignored(full, entry) === undefined) folders.push(full);
          continue;
        }
        if (!entry.isSymbolicLink()) continue;
        const target = followed(full);
        if (target === undefined || ignored(full, target.stats) !== undefined) continue;
        const real = target.real;
        const covered = known.some((watched) => isInside(real, watched) || isInside(watched, real));
        if (covered || real.split(path.sep).includes('node_modules')) continue;
        known.push(real);
        found.push(real);
        if (target.stats.isDirectory()) queue.push(real);
      }
    }
  }
  return found;
}

/** A link's target: its real path and stats; undefined when it dangles or cannot be read. */
function followed(link: string): { real: string; stats: Stats } | undefined {
  try {
    const stats = statSync(link);
    return stats.isDirectory() || stats.isFile() ? { real: realpathSync.native(link), stats } : undefined;
  } catch {
    // Dangling, a loop of links (ELOOP), or unreadable: there is nothing there to watch.
    return undefined;
  }
}

function entriesOf(folder: string): Dirent[] {
  try {
    return readdirSync(folder, { withFileTypes: true });
  } catch {
    // Gone or unreadable since it was listed: the watcher reports what it cannot read.
    return [];
  }
}

function isDirectory(target: string): boolean {
  try {
    return statSync(target).isDirectory();
  } catch {
    return false;
  }
}

function realOrSelf(target: string): string {
  try {
    return realpathSync.native(target);
  } catch {
    return target;
  }
}

function isInside(target: string, folder: string): boolean {
  const relative = path.relative(folder, target);
  return relative === '' || (!relative.startsWith('..') && !path.isAbsolute(relative));
}
