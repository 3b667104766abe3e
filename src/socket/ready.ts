import { setTimeout as sleep } from 'node:timers/promises';
import { stripVTControlCharacters } from 'node:util';
import { listenCheckSupported, ListenerSearch } from './listener.js';
import { formatAddress } from './proc-net.js';
import { acceptAttempt, connectAttempt, urlAttempt, type AcceptVia, type Attempt, type AttemptResult } from './ready-attempts.js';
import type { ReadyCheck } from './ready-target.js';
import { listenLook, readyIntervalMs, readyServerErrorBackoff } from '../tuning.js';

/** How a probe ended. */
export type ProbeResult =
  /** `ms` after probeReady(); `address` (`127.0.0.1:3000`) where the `listen` check saw the app listen. */
  | { readonly outcome: 'ready'; readonly ms: number; readonly address: string | null }
  /** `listen`: the instance was not seen listening within the bound (it may never listen). */
  | { readonly outcome: 'gaveUp' }
  | { readonly outcome: 'cancelled' };

export interface ReadyProbe {
  /** Never rejects: a check that cannot succeed stays pending until cancelled (`listen`: until it gives up). */
  readonly ready: Promise<ProbeResult>;
  /** One line the app printed; only `output` checks look at it. Call it for every line. */
  line(text: string): void;
  /**
   * Stops at once: the pending connection or request is destroyed and no timer, poll or
   * connection happens after this call. Idempotent; a no-op once settled.
   */
  cancel(): void;
  /**
   * The instance is about to be told to stop: settles now and says how. A `listen` check looks
   * once more first, as its looks are spaced out (a tenth of the time the instance has been
   * starting): an app that began listening since the last one was ready, and a stop that only
   * cancelled would lose that. The other checks cancel (their tries are network round trips).
   * `ready` resolves to the same result.
   */
  settleNow(): ProbeResult;
}

export interface ProbeOptions {
  /** Force how an `accept` check works (tests); default: `proc` where /proc/net/tcp exists. */
  acceptVia?: AcceptVia;
  /** The instance's leader, once spawned: a `listen` check looks at its processes. */
  leader?: Promise<number>;
  /** When a `listen` check gives up (tests); default: tuning's `listenLook.giveUpMs`. */
  giveUpMs?: number;
}

const intervalMs = readyIntervalMs;
const serverErrorBackoff = readyServerErrorBackoff;

/** Starts probing right away: call it just before the instance is spawned. */
export function probeReady(check: ReadyCheck, options: ProbeOptions = {}): ReadyProbe {
  const started = performance.now();
  const controller = new AbortController();
  let resolveReady!: (value: ProbeResult) => void;
  const ready = new Promise<ProbeResult>((resolve) => (resolveReady = resolve));
  let settled: ProbeResult | undefined;
  const finish = (value: ProbeResult): void => {
    if (settled !== undefined) return;
    settled = value;
    controller.abort();
    resolveReady(value);
  };
  const elapsed = (): number => Math.round(performance.now() - started);
  /** A `listen` check's search, once the leader is known (for the last look). */
  let listening: { readonly search: ListenerSearch; readonly leader: number } | undefined;

  if (check.kind === 'listen') {
    // Nothing before the spawn: its work starts once the leader is known.
    void (options.leader ?? Promise.reject(new Error('a listen check needs the leader')))
      .then((leader) => {
        // No kernel tables to read (macOS, the BSDs, DEVRELOAD_PROCESS_TABLE=ps): nothing to report.
        if (!listenCheckSupported()) return 'gaveUp';
        if (settled !== undefined) return undefined;
        listening = { search: new ListenerSearch(check.inspector), leader };
        return watchListen(listening.search, leader, started, options.giveUpMs ?? listenLook.giveUpMs, controller.signal);
      })
      .then(
        (found) => found !== undefined && finish(found === 'gaveUp' ? { outcome: 'gaveUp' } : { outcome: 'ready', ms: elapsed(), address: found }),
        // A failed launch (the caller cancels), or a table that cannot be read: no readiness to report.
        () => finish({ outcome: 'gaveUp' }),
      );
  } else if (check.kind !== 'output') {
    const attempt = attemptFor(check, options.acceptVia);
    void retry(attempt, controller.signal).then((ok) => {
      if (ok) finish({ outcome: 'ready', ms: elapsed(), address: null });
    });
  }

  return {
    ready,
    line(text) {
      if (settled === undefined && check.kind === 'output' && check.pattern.test(stripVTControlCharacters(text))) finish({ outcome: 'ready', ms: elapsed(), address: null });
    },
    cancel() {
      finish({ outcome: 'cancelled' });
    },
    settleNow() {
      if (settled === undefined && listening !== undefined) {
        let found: string | undefined;
        try {
          found = lookOnce(listening.search, listening.leader, performance.now() - started);
        } catch {
          // A table that cannot be read: no readiness to report, as in the looks before.
        }
        if (found !== undefined) finish({ outcome: 'ready', ms: elapsed(), address: found });
      }
      finish({ outcome: 'cancelled' });
      return settled ?? { outcome: 'cancelled' };
    },
  };
}

/** When the next look at the kernel's tables is due, `elapsedMs` into an instance's start. */
export function nextLookMs(elapsedMs: number): number {
  return Math.min(listenLook.maxMs, Math.max(listenLook.minMs, Math.round(elapsedMs * listenLook.fraction)));
}

/** The address the instance listens on, `gaveUp` past the bound, undefined once aborted. */
async function watchListen(search: ListenerSearch, leader: number, started: number, giveUpMs: number, signal: AbortSignal): Promise<string | 'gaveUp' | undefined> {
  while (!signal.aborted) {
    const found = lookOnce(search, leader, performance.now() - started);
    if (signal.aborted) return undefined;
    if (found !== undefined) return found;
    const elapsed = performance.now() - started;
    if (elapsed >= giveUpMs) return 'gaveUp';
    try {
      await sleep(nextLookMs(elapsed), undefined, { signal });
    } catch {
      return undefined;
    }
  }
  return undefined;
}

/** One look: the address the instance listens on, or undefined (not yet, or the tables cannot be read). */
function lookOnce(search: ListenerSearch, leader: number, elapsedMs: number): string | undefined {
  const found = search.look(leader, elapsedMs);
  return found === undefined ? undefined : formatAddress(found.localAddress, found.localPort);
}

function attemptFor(check: Exclude<ReadyCheck, { kind: 'output' | 'listen' }>, acceptVia: AcceptVia | undefined): Attempt {
  switch (check.kind) {
    case 'connect':
      return connectAttempt(check.hosts, check.port);
    case 'accept':
      return acceptAttempt(check.host, check.port, acceptVia, intervalMs);
    case 'url':
      return urlAttempt(check.url);
  }
}

async function retry(attempt: Attempt, signal: AbortSignal): Promise<boolean> {
  while (!signal.aborted) {
    // An attempt that throws (a URL node's http client rejects) is a failure to retry slowly.
    const result = await attempt(signal).catch((): AttemptResult => 'failing');
    if (result === 'ready') return !signal.aborted;
    try {
      await sleep(result === 'failing' ? intervalMs * serverErrorBackoff : intervalMs, undefined, { signal });
    } catch {
      return false;
    }
  }
  return false;
}
