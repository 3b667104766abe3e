import type { Changes, MachineConfig, Pending } from './types.js';

/** `burst`: this change came right after a restart's spawn; a package manager's file is one too (see Pending.burst). It sticks. */
export function addChange(pending: Pending | null, path: string | null, at: number, config: MachineConfig, burst = false): Pending {
  const changes = pending?.changes ?? { paths: [], count: 0 };
  const next = { changes: recordChange(changes, path, config.maxRecordedChanges), since: pending?.since ?? at, quiet: false };
  return burst || pending?.burst === true || (path !== null && packageManagerFiles.has(baseName(path))) ? { ...next, burst: true } : next;
}

/**
 * What package managers write together: `npm install x` writes package.json, then
 * package-lock.json (15–20 ms apart on an idle machine, more under load, past the quiet window);
 * pnpm, Yarn and Bun their lockfiles; uv and Poetry pyproject.toml and theirs. One of them changing
 * is the start of such a write: the restart waits the burst window, so the install is one restart.
 */
const packageManagerFiles = new Set(['package.json', 'package-lock.json', 'npm-shrinkwrap.json', 'yarn.lock', 'pnpm-lock.yaml', 'bun.lock', 'bun.lockb', 'pyproject.toml', 'poetry.lock', 'uv.lock', 'Pipfile', 'Pipfile.lock']);

/** The last segment of a path, with either separator (the machine is pure: no node:path). */
function baseName(path: string): string {
  return path.slice(Math.max(path.lastIndexOf('/'), path.lastIndexOf('\\')) + 1);
}

/** Distinct paths are counted exactly up to `max`; past it, repeats of unrecorded paths may count twice. */
function recordChange(changes: Changes, path: string | null, max: number): Changes {
  if (path === null || changes.paths.includes(path)) return changes;
  return { paths: changes.paths.length < max ? [...changes.paths, path] : changes.paths, count: changes.count + 1 };
}

/**
 * How many sources the changes come from, for the burst rule: a compiler writes several files
 * for one source in one go (`a.js`, `a.js.map`, `a.d.ts`), which is one save, not a burst. A
 * source is the folder plus the name up to its first dot (a leading dot kept). Paths past the
 * recorded ones each count as one.
 */
export function sourceCount(changes: Changes): number {
  const sources = new Set<string>();
  for (const path of changes.paths) {
    const name = baseName(path);
    const dot = name.indexOf('.', 1);
    sources.add(dot === -1 ? path : path.slice(0, path.length - name.length + dot));
  }
  return sources.size + (changes.count - changes.paths.length);
}

