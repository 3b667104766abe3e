import type { Clock } from '../clock.js';
import type { Timers } from './timers.js';

/** What Ctrl-Z stops and starts again. */
export interface SuspensionParts {
  readonly clock: Clock;
  readonly timers: Timers;
  /** The supervisor's inputs (input-queue.ts): they wait while suspended. */
  readonly queue: { hold(): void; release(): void };
  /** The app's instance and a build's step: SIGSTOP, then SIGCONT. */
  readonly processes: ReadonlyArray<{ suspend(): Promise<void>; resume(): Promise<void> }>;
  /** Stops devreload itself; returns once it was continued (`fg`, `bg`). */
  readonly stopSelf: () => void;
  /** Once the processes run again, before time and inputs do. */
  readonly resumed: () => void;
}

/**
 * Ctrl-Z: the app's processes (and a build's) are stopped, then devreload itself, so that the
 * shell sees the job stopped. Time stands still meanwhile (the kill timeout, the quiet
 * window, the restart's duration, the crash streak's "quick exit"); changes made while
 * suspended reach the machine once everything runs again, where the quiet window folds them
 * into one restart. A second Ctrl-Z while suspending is the same.
 */
export class Suspension {
  #pending: Promise<void> | null = null;
  #suspendedMs = 0;

  constructor(private readonly parts: SuspensionParts) {}

  /** Time spent suspended (Ctrl-Z until fg/bg): not part of any duration the machine measures. */
  get suspendedMs(): number {
    return this.#suspendedMs;
  }

  suspend(): Promise<void> {
    if (this.#pending === null) {
      this.#pending = this.#suspend();
      this.parts.queue.hold();
    }
    return this.#pending;
  }

  async #suspend(): Promise<void> {
    const { clock, timers, processes } = this.parts;
    timers.pause();
    try {
      await Promise.all(processes.map((process) => process.suspend()));
    } finally {
      const stoppedAt = clock.now();
      this.parts.stopSelf();
      this.#suspendedMs += clock.now() - stoppedAt;
      // Running again (`fg` or `bg`): the app first, then time, then the inputs that waited.
      await Promise.all(processes.map((process) => process.resume()));
      this.parts.resumed();
      timers.resume();
      this.#pending = null;
      this.parts.queue.release();
    }
  }
}
