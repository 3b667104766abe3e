import type { TimerName } from '../core/types.js';
import type { Clock } from '../clock.js';

/** Named one-shot timers for the state machine: setting a name again replaces its timer. */
export class Timers {
  readonly #cancels = new Map<TimerName, () => void>();

  constructor(
    private readonly clock: Clock,
    private readonly fire: (name: TimerName) => void,
  ) {}

  set(name: TimerName, ms: number): void {
    this.clear(name);
    const cancel = this.clock.after(ms, () => {
      // A timer replaced or cleared after it was due but before it ran is not ours any more.
      if (this.#cancels.get(name) !== cancel) return;
      this.#cancels.delete(name);
      this.fire(name);
    });
    this.#cancels.set(name, cancel);
  }

  clear(name: TimerName): void {
    this.#cancels.get(name)?.();
    this.#cancels.delete(name);
  }

  clearAll(): void {
    for (const name of [...this.#cancels.keys()]) this.clear(name);
  }
}
