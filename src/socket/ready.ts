import { setTimeout as sleep } from 'node:timers/promises';
import { stripVTControlCharacters } from 'node:util';
import { acceptAttempt, connectAttempt, urlAttempt, type AcceptVia, type Attempt, type AttemptResult } from './ready-attempts.js';
import type { ReadyCheck } from './ready-target.js';
import { readyIntervalMs, readyServerErrorBackoff } from '../tuning.js';

export interface ReadyProbe {
  /**
   * Milliseconds from probeReady() to readiness, or null once cancelled first.
   * Never rejects: a probe that cannot succeed simply stays pending until cancelled.
   */
  readonly ready: Promise<number | null>;
  /** One line the app printed; only `output` checks look at it. Call it for every line. */
  line(text: string): void;
  /**
   * Stops at once: the pending connection or request is destroyed and no timer, poll or
   * connection happens after this call. Idempotent; a no-op once ready.
   */
  cancel(): void;
}

export interface ProbeOptions {
  /** Force how an `accept` check works (tests); default: `proc` where /proc/net/tcp exists. */
  acceptVia?: AcceptVia;
}

const intervalMs = readyIntervalMs;
const serverErrorBackoff = readyServerErrorBackoff;

/** Starts probing right away (start it when the instance is spawned). */
export function probeReady(check: ReadyCheck, options: ProbeOptions = {}): ReadyProbe {
  const started = performance.now();
  const controller = new AbortController();
  let resolveReady!: (value: number | null) => void;
  const ready = new Promise<number | null>((resolve) => (resolveReady = resolve));
  let settled = false;
  const finish = (value: number | null): void => {
    if (settled) return;
    settled = true;
    controller.abort();
    resolveReady(value);
  };
  const elapsed = (): number => Math.round(performance.now() - started);

  if (check.kind !== 'output') {
    const attempt = attemptFor(check, options.acceptVia);
    void retry(attempt, controller.signal).then((ok) => {
      if (ok) finish(elapsed());
    });
  }

  return {
    ready,
    line(text) {
      if (!settled && check.kind === 'output' && check.pattern.test(stripVTControlCharacters(text))) finish(elapsed());
    },
    cancel() {
      finish(null);
    },
  };
}

function attemptFor(check: Exclude<ReadyCheck, { kind: 'output' }>, acceptVia: AcceptVia | undefined): Attempt {
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
