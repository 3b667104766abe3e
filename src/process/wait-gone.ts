import { setTimeout as sleep } from 'node:timers/promises';

export interface Backoff {
  initialMs: number;
  maxMs: number;
}

// Most apps are gone on the first scan; a straggler (a worker finishing its shutdown) is
// usually gone within tens of ms, so start fast and cap low: a scan costs a few ms.
const DEFAULT_BACKOFF: Backoff = { initialMs: 2, maxMs: 50 };

/**
 * Resolves once `scan` returns no live process. Only called after the leader exited, so
 * nothing polls while the app simply runs.
 */
export async function waitUntilNoneLeft(
  scan: () => Promise<readonly unknown[]>,
  backoff: Backoff = DEFAULT_BACKOFF,
): Promise<void> {
  let delay = backoff.initialMs;
  while ((await scan()).length > 0) {
    await sleep(delay);
    delay = Math.min(delay * 2, backoff.maxMs);
  }
}
