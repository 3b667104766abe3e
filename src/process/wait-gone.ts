import { setTimeout as sleep } from 'node:timers/promises';
import { goneCheckMs } from '../tuning.js';

export interface Backoff {
  initialMs: number;
  maxMs: number;
}


/**
 * Resolves once `scan` returns no live process. Only called after the leader exited, so
 * nothing polls while the app simply runs.
 */
export async function waitUntilNoneLeft(
  scan: () => Promise<readonly unknown[]>,
  backoff: Backoff = goneCheckMs,
): Promise<void> {
  let delay = backoff.initialMs;
  while ((await scan()).length > 0) {
    await sleep(delay);
    delay = Math.min(delay * 2, backoff.maxMs);
  }
}
