import type { Changes, MachineConfig, Pending } from './types.js';

export function addChange(pending: Pending | null, path: string | null, at: number, config: MachineConfig): Pending {
  const changes = pending?.changes ?? { paths: [], count: 0 };
  return { changes: recordChange(changes, path, config.maxRecordedChanges), since: pending?.since ?? at, quiet: false };
}

/** Distinct paths are counted exactly up to `max`; past it, repeats of unrecorded paths may count twice. */
function recordChange(changes: Changes, path: string | null, max: number): Changes {
  if (path === null || changes.paths.includes(path)) return changes;
  return { paths: changes.paths.length < max ? [...changes.paths, path] : changes.paths, count: changes.count + 1 };
}
