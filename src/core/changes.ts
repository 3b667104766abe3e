import type { Changes, MachineConfig, Pending } from './types.js';

/** `burst`: this change came right after a restart's spawn (see Pending.burst); it sticks. */
export function addChange(pending: Pending | null, path: string | null, at: number, config: MachineConfig, burst = false): Pending {
  const changes = pending?.changes ?? { paths: [], count: 0 };
  const next = { changes: recordChange(changes, path, config.maxRecordedChanges), since: pending?.since ?? at, quiet: false };
  return burst || pending?.burst === true ? { ...next, burst: true } : next;
}

/** Distinct paths are counted exactly up to `max`; past it, repeats of unrecorded paths may count twice. */
function recordChange(changes: Changes, path: string | null, max: number): Changes {
  if (path === null || changes.paths.includes(path)) return changes;
  return { paths: changes.paths.length < max ? [...changes.paths, path] : changes.paths, count: changes.count + 1 };
}
