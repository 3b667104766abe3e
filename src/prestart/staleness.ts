import path from 'node:path';
import type { Changes } from '../core/types.js';

/**
 * Never stale: a spare is woken only if a fresh start now would load what it loaded. These are
 * the inputs a spare fixed when it booted and loaded its dependencies, taken again before it is
 * woken. A runtime-only spare loaded nothing of the app's: only its environment counts.
 */
export interface SpareInputs {
  /** The environment it booted (and loaded its dependencies) in, without what changes per instance. */
  readonly env: Readonly<Record<string, string | undefined>>;
  /**
   * Fingerprints of the files its dependencies depend on: lockfiles and package managers' state
   * (node_modules/.package-lock.json…), the files they read while they loaded (their own
   * source, a .env, a config file). Absolute path → fingerprint, `-` for a file that was absent.
   */
  readonly files: ReadonlyMap<string, string>;
}

export interface StalenessCheck {
  readonly boot: SpareInputs;
  /** The same inputs now (the same files, fingerprinted again). */
  readonly now: SpareInputs;
  /**
   * What changed since the spare booted, as the watcher reported it (absolute paths); `unknown`
   * for a restart asked for without a change (a user's `rs` after editing something unwatched),
   * or when more changed than was recorded.
   */
  readonly changed: readonly string[] | 'unknown';
  /** Whether the spare holds dependencies: a runtime-only spare ignores changed files. */
  readonly warm: boolean;
  /**
   * A source file of the runtime: only the app's own code loads it (at the wake, fresh). Any
   * other changed file (a .env, config/*.json, a YAML) may have been read by a dependency while
   * it loaded.
   */
  readonly isSource: (file: string) => boolean;
  /** For the reason's wording. */
  readonly cwd: string;
}

/** Variables that differ per instance by design, never an input a dependency reads at load. */
const perInstance = new Set(['DEVRELOAD_CHANGED', 'DEVRELOAD_INSTANCE']);

/** Why the spare must not be woken (a fresh start would differ), or undefined when it may. */
export function whyStale(check: StalenessCheck): string | undefined {
  const variable = changedVariable(check.boot.env, check.now.env);
  if (variable !== undefined) return `the environment changed (${variable})`;
  if (!check.warm) return undefined;
  if (check.changed === 'unknown') return 'a restart without a known change';
  const shown = (file: string) => path.relative(check.cwd, file) || file;
  const read = check.changed.find((file) => !check.isSource(file));
  if (read !== undefined) return `${shown(read)} changed`;
  for (const [file, before] of check.boot.files) {
    if (check.now.files.get(file) !== before) return `${shown(file)} changed`;
  }
  return undefined;
}

function changedVariable(boot: SpareInputs['env'], now: SpareInputs['env']): string | undefined {
  for (const name of new Set([...Object.keys(boot), ...Object.keys(now)])) {
    if (!perInstance.has(name) && boot[name] !== now[name]) return name;
  }
  return undefined;
}

/** Node's source files: JavaScript and TypeScript in every module flavour. */
export function isNodeSource(file: string): boolean {
  return /\.[cm]?[jt]sx?$/.test(file);
}

/**
 * What changed for a start, as whyStale takes it: `unknown` for a restart asked for without a
 * change (a user's `rs` after editing something unwatched) or when more changed than the restart
 * kept (paths past the recorded ones are only counted); nothing for a start no change asked for
 * (the first, a restart after a crash).
 */
export function knownChanges(changes: Changes | null): readonly string[] | 'unknown' {
  if (changes === null) return [];
  return changes.paths.length === 0 || changes.count > changes.paths.length ? 'unknown' : changes.paths;
}
