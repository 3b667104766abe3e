import type { TestContext } from 'vitest';
import { pollingInterval } from '../src/watch/polling-env.js';

/**
 * Which pass of the suite this run is. `.ci/run` runs the e2e and watcher tests twice more, each
 * time with one of devreload's portable paths forced through the environment, so that every
 * devreload those tests start (by the CLI, `npm run dev`, a pty or the API), every watchdog and
 * every watcher takes that path:
 * - `DEVRELOAD_PROCESS_TABLE=ps`: the process table is read through `ps` (src/process/table.ts),
 *   as on macOS and the BSDs, by devreload and by its watchdog alike;
 * - `CHOKIDAR_USEPOLLING=1`: every watcher polls (devreload reads it as a polling default,
 *   src/watch/polling-env.ts), as `--poll` does on a mount that sends no events.
 */
export const pass = {
  ps: process.env.DEVRELOAD_PROCESS_TABLE === 'ps',
  polling: pollingInterval(undefined) !== undefined,
} as const;

/** The pass in a few words, for the run's summary (test/skip-summary.ts). */
export function passName(): string {
  const table = pass.ps ? 'ps (DEVRELOAD_PROCESS_TABLE=ps)' : 'the default (/proc on Linux)';
  const watching = pass.polling ? `polling every ${pollingInterval(undefined)} ms (CHOKIDAR_USEPOLLING)` : 'native events';
  return `process table: ${table}; watching: ${watching}`;
}

/**
 * Skips the running test in the ps or the polling pass, for what cannot hold there. The reason
 * is the test's skip note, which the run's summary prints: nothing is skipped silently.
 */
export function skipInPass(context: TestContext, reasons: { ps?: string; polling?: string }): void {
  if (pass.ps && reasons.ps !== undefined) context.skip(`ps pass: ${reasons.ps}`);
  if (pass.polling && reasons.polling !== undefined) context.skip(`polling pass: ${reasons.polling}`);
}
