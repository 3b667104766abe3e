import type { LogEvent } from '../core/types.js';
import type { Logger } from '../log/logger.js';

type Spawned = Extract<LogEvent, { kind: 'spawned' }>;
type Ready = Extract<LogEvent, { kind: 'ready' }>;

export interface ReadyLinesDeps {
  logger: Logger;
  /** Calls `fire` once after `ms`; returns the cancel. */
  after(ms: number, fire: () => void): () => void;
  /** How long a held line may wait for readiness. */
  holdMs: number;
}

/**
 * The one line that says how long a restart took. `restarted in N ms` is measured to the spawn;
 * when the new instance is expected to become ready (a `--ready` or `--socket` check, or the
 * previous instance was seen listening), that line is held back, and `ready in N ms`, measured
 * from the change to readiness, takes its place. When readiness does not come (the instance
 * exits, is replaced, or is still not ready after `holdMs`), the held line is printed as it was,
 * before whatever devreload says next, so the log keeps its order.
 */
export class ReadyLines {
  #held: { readonly event: Spawned; readonly cancel: () => void } | null = null;

  constructor(private readonly deps: ReadyLinesDeps) {}

  /** A machine event for the log. A restart's `spawned` line waits for readiness when `expectReady`. */
  event(event: LogEvent, expectReady: boolean): void {
    this.flush();
    if (event.kind === 'spawned' && event.restartMs !== null && expectReady) {
      this.#held = { event, cancel: this.deps.after(this.deps.holdMs, () => this.flush()) };
      return;
    }
    this.deps.logger.event(event);
  }

  /** The held `spawned` line of instance `pid`, if it is still waiting. */
  heldFor(pid: number): Spawned | undefined {
    return this.#held?.event.pid === pid ? this.#held.event : undefined;
  }

  /** Instance `event.pid` is ready: its held line (if any) is dropped, the ready line printed instead. */
  ready(event: Ready): void {
    if (this.#held?.event.pid === event.pid) {
      this.#held.cancel();
      this.#held = null;
    }
    this.flush();
    this.deps.logger.event(event);
  }

  /** Prints the held line now (readiness will not come, or something else is said first). Idempotent. */
  flush(): void {
    const held = this.#held;
    if (held === null) return;
    this.#held = null;
    held.cancel();
    this.deps.logger.event(held.event);
  }
}
