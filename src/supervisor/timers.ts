import type { TimerName } from '../core/types.js';

/** Named one-shot timers for the state machine: setting a name again replaces its timer. */
export class Timers {
  readonly #handles = new Map<TimerName, NodeJS.Timeout>();

  constructor(private readonly fire: (name: TimerName) => void) {}

  set(name: TimerName, ms: number): void {
    this.clear(name);
    const handle: NodeJS.Timeout = setTimeout(() => {
      // Node runs due timers before it reads pending I/O: one hop to the check phase lets
      // file events that already arrived reset the quiet window before it is acted on.
      setImmediate(() => {
        if (this.#handles.get(name) !== handle) return;
        this.#handles.delete(name);
        this.fire(name);
      });
    }, ms);
    this.#handles.set(name, handle);
  }

  clear(name: TimerName): void {
    const handle = this.#handles.get(name);
    if (handle !== undefined) clearTimeout(handle);
    this.#handles.delete(name);
  }

  clearAll(): void {
    for (const name of [...this.#handles.keys()]) this.clear(name);
  }
}
