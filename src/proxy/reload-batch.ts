import type { Clock } from '../clock.js';
import { sourceCount } from '../core/changes.js';

/** The restart machine's quiet window, as the options and tuning.ts set it. */
export interface QuietWindow {
  /** `--delay`: after the last change. */
  readonly delay: number;
  /** From this many sources on, a batch is a burst… */
  readonly burstThreshold: number;
  /** …and waits at least this long. */
  readonly burstDelay: number;
}

/**
 * `--reload-only` changes, coalesced as the restart machine coalesces changes to watched files:
 * the pages reload once no change came for the quiet window (`--delay`, widened to the burst
 * window from the second source on, as for a restart), once for the whole batch, which names
 * every path. Ten templates written by one `git checkout` are one reload, not ten.
 */
export class ReloadBatch {
  #paths = new Set<string>();
  /** Sticks once reached, as a restart's does. */
  #burst = false;
  #cancel: (() => void) | null = null;

  constructor(
    private readonly clock: Pick<Clock, 'after'>,
    private readonly quiet: QuietWindow,
    private readonly flush: (paths: readonly string[]) => void,
  ) {}

  /** A `--reload-only` file changed: the quiet window starts over. */
  add(path: string): void {
    this.#paths.add(path);
    this.#cancel?.();
    this.#burst ||= sourceCount({ paths: [...this.#paths], count: this.#paths.size }) >= this.quiet.burstThreshold;
    this.#cancel = this.clock.after(this.#burst ? Math.max(this.quiet.delay, this.quiet.burstDelay) : this.quiet.delay, () => this.#fire());
  }

  /** Idempotent: a batch still waiting is dropped. */
  close(): void {
    this.#cancel?.();
    this.#cancel = null;
    this.#paths = new Set();
    this.#burst = false;
  }

  #fire(): void {
    const paths = [...this.#paths];
    this.close();
    this.flush(paths);
  }
}
