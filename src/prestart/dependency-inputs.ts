import { statSync, type Stats } from 'node:fs';
import path from 'node:path';

// What a package manager rewrites on every install, update or removal, in a project folder and
// in its node_modules (npm's hidden lockfile, pnpm's and Yarn's state): a warm spare's
// dependencies may be gone or another version once one of them changed. node_modules itself is
// never watched (too many files), so these are looked at when a spare is about to be woken.
const projectFiles = ['package.json', 'package-lock.json', 'npm-shrinkwrap.json', 'yarn.lock', 'pnpm-lock.yaml', 'bun.lock', 'bun.lockb'];
const stateFiles = ['.package-lock.json', '.modules.yaml', '.pnpm/lock.yaml', '.yarn-state.yml', '.yarn-integrity'];

const segment = `${path.sep}node_modules${path.sep}`;

/**
 * The files to fingerprint for a Node app run from `cwd` whose dependencies came from
 * `moduleFiles`: those above in every folder from `cwd` up (Node looks for node_modules there),
 * and in each folder whose node_modules a dependency came from (a workspace's own).
 */
export function nodeDependencyInputs(cwd: string, moduleFiles: Iterable<string>): string[] {
  const folders = new Set<string>();
  for (let dir = path.resolve(cwd); ; dir = path.dirname(dir)) {
    folders.add(dir);
    if (path.dirname(dir) === dir) break;
  }
  for (const file of moduleFiles) {
    const at = file.indexOf(segment);
    if (at > 0) folders.add(file.slice(0, at));
  }
  return [...folders].flatMap((dir) => [...projectFiles.map((name) => path.join(dir, name)), ...stateFiles.map((name) => path.join(dir, 'node_modules', name))]);
}

/** Path → fingerprint, now. */
export function fingerprintAll(files: Iterable<string>): Map<string, string> {
  const found = new Map<string, string>();
  for (const file of files) found.set(file, fingerprint(file));
  return found;
}

/**
 * Must match src/prestart/fingerprint.cts (the spare's side, which fingerprints what its
 * dependencies read): the inode and ctime too, since npm may extract every version of a package
 * with the same mtime. `-` when absent.
 */
export function fingerprint(file: string): string {
  let stats: Stats | undefined;
  try {
    stats = statSync(file, { throwIfNoEntry: false });
  } catch {
    stats = undefined;
  }
  return stats === undefined ? '-' : `${stats.ino}:${stats.size}:${stats.mtimeMs}:${stats.ctimeMs}`;
}
