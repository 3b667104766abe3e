import type { Logger } from '../log/logger.js';

/** Which spare a start woke, as the log says it: one function, so every runtime words it alike. */
export interface SpareInUse {
  readonly runtime: 'Node' | 'Python';
  /** Modules it loaded before the wake; 'loading' while it has not said yet (the app runs once it is done); null for a runtime-only spare. */
  readonly warm: number | 'loading' | null;
}

export function spareLine({ runtime, warm }: SpareInUse): string {
  if (warm === null) return `--prestart: woke a runtime-only ${runtime} spare`;
  if (warm === 'loading') return `--prestart: woke a warm ${runtime} spare (still loading the app's dependencies)`;
  return `--prestart: woke a warm ${runtime} spare (${warm} module${warm === 1 ? '' : 's'} kept warm)`;
}

/** The start line of each wake: in full when that kind of spare (runtime-only, warm) is new, verbose after. */
export class SpareLines {
  #lastKind: 'runtime' | 'warm' | null = null;

  constructor(private readonly logger: Logger) {}

  woke(spare: SpareInUse): void {
    const kind = spare.warm === null ? 'runtime' : 'warm';
    if (kind !== this.#lastKind) this.logger.info(spareLine(spare));
    else this.logger.verbose(spareLine(spare));
    this.#lastKind = kind;
  }
}
