import { constants } from 'node:os';
import type { ExitInfo, MachineConfig, Trigger } from './types.js';

/**
 * 128 + signal number, as a shell reports a process ended by that signal; 0 for a programmatic
 * stop. The parent going away counts as a hangup (129): it is handled as SIGHUP is, and like a
 * closed terminal it is the environment ending the run, not a failure of the app.
 */
export function exitCodeFor(trigger: Trigger): number {
  if (trigger === 'api') return 0;
  const number = constants.signals[trigger === 'parent' ? 'SIGHUP' : trigger];
  return 128 + number;
}

/** What `--on-exit quit` exits with: the app's code, or 128 + N when a signal ended it. */
export function appExitCode(exit: ExitInfo): number {
  if (exit.code !== null) return exit.code;
  return exit.signal === null ? 1 : exitCodeFor(exit.signal);
}

export function backoffDelay(streak: number, config: MachineConfig): number {
  return Math.min(config.backoffBase * 2 ** Math.max(0, streak - 1), config.backoffMax);
}
