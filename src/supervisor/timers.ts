import type { TimerName } from '../core/types.js';
import type { Clock } from '../clock.js';

/**
 * Named one-shot timers for the state machine: setting a name again replaces its timer.
 * Paused while devreload and its app are suspended (Ctrl-Z): the monotonic clock goes on
 * running while a process is stopped, and a kill timeout that ran out during a suspension must
 * not SIGKILL an app that never had the time to stop.
 */
export class Timers {
  readonly #cancels = new Map<TimerName, () => void>();
  readonly #deadlines = new Map<TimerName, number>();
  /** Set while paused: each timer's time left. */
  #paused: Map<TimerName, number> | null = null;

  constructor(
    private readonly clock: Clock,
    private readonly fire: (name: TimerName) => void,
  ) {}

  set(name: TimerName, ms: number): void {
    this.clear(name);
    if (this.#paused !== null) {
      this.#paused.set(name, ms);
      return;
    }
    const cancel = this.clock.after(ms, () => {
      // A timer replaced or cleared after it was due but before it ran is not ours any more.
      if (this.#cancels.get(name) !== cancel) return;
      this.#cancels.delete(name);
      this.#deadlines.delete(name);
      this.fire(name);
    });
    this.#cancels.set(name, cancel);
    this.#deadlines.set(name, this.clock.now() + ms);
  }

  clear(name: TimerName): void {
    this.#cancels.get(name)?.();
    this.#cancels.delete(name);
    this.#deadlines.delete(name);
    this.#paused?.delete(name);
  }

  clearAll(): void {
    for (const name of [...this.#cancels.keys()]) this.clear(name);
    this.#paused?.clear();
  }

  /** Stops every timer, keeping the time each one has left. */
  pause(): void {
    if (this.#paused !== null) return;
    const now = this.clock.now();
    const left = new Map<TimerName, number>();
    for (const [name, deadline] of this.#deadlines) left.set(name, Math.max(0, deadline - now));
    for (const name of [...this.#cancels.keys()]) this.clear(name);
    this.#paused = left;
  }

  /** Starts every paused timer again with the time it had left. */
  resume(): void {
    const left = this.#paused;
    if (left === null) return;
    this.#paused = null;
    for (const [name, ms] of left) this.set(name, ms);
  }
}
