import type { Effect, LogEvent, Remaining } from '../core/types.js';
import { assetPath } from '../assets.js';
import type { Logger } from '../log/logger.js';
import { shellQuote } from '../log/shell-quote.js';

export interface WaitingLineParts {
  /** The instance (or the build's step under way) that `leader` stands for. */
  readonly instanceFor: (leader: number) => { leader: number; tag: string | undefined };
  readonly remaining: (leader: number, tag: string | undefined) => Promise<Remaining[]>;
  /** Still stopping once the process table was read: otherwise nothing is left to wait for. */
  readonly stillStopping: () => boolean;
  readonly announce: (event: LogEvent) => void;
  readonly logger: Logger;
  /** The app's command line, as the user gave it (`--exec`: a shell's). */
  readonly appCommand: string | readonly string[];
}

/** A stop that takes long: one line (and a `waiting` event) naming what is left and when SIGKILL comes. */
export function describeStop({ leaders, killInMs, canForce }: Extract<Effect, { type: 'describeStop' }>, parts: WaitingLineParts): void {
  const [pid] = leaders;
  if (pid === undefined) return;
  const instances = leaders.map(parts.instanceFor);
  Promise.all(instances.map(({ leader, tag }) => parts.remaining(leader, tag))).then(
    (found) => {
      if (!parts.stillStopping()) return;
      parts.announce({ kind: 'waiting', pid, remaining: found.flat().map((process) => asLaunched(process, parts.appCommand)), killInMs, canForce });
    },
    (error: unknown) => parts.logger.verbose(`could not list what the stop waits for: ${String(error)}`),
  );
}

/**
 * An instance woken from a Node spare runs as `node …/prestart/park.cjs` in the process table (the
 * spare's own command line); the user knows it by the command they gave, which is what it runs.
 * The table joins arguments with spaces, so the park script's path (spaces and all) is searched as text.
 */
function asLaunched(process: Remaining, appCommand: string | readonly string[]): Remaining {
  return parkScript !== undefined && process.command.includes(parkScript) ? { ...process, command: typeof appCommand === 'string' ? appCommand : shellQuote(appCommand) } : process;
}

/** Undefined in a build without the asset: then nothing runs through it. */
const parkScript = (() => {
  try {
    return assetPath('prestart/park.cjs');
  } catch {
    return undefined;
  }
})();
