import type { Effect, LogEvent, Remaining } from '../core/types.js';
import { assetPath } from '../assets.js';
import type { Logger } from '../log/logger.js';
import { commandLine } from '../log/shell-quote.js';

export interface WaitingLineParts {
  /** The instance (or the build's step under way) that `leader` stands for. */
  readonly instanceFor: (leader: number) => { leader: number; tag: string | undefined };
  readonly remaining: (leader: number, tag: string | undefined) => Promise<Remaining[]>;
  /** Still stopping once the process table was read: otherwise nothing is left to wait for. */
  readonly stillStopping: () => boolean;
  readonly announce: (event: LogEvent) => void;
  readonly logger: Logger;
  /** The app's command, as the user gave it (launch.ts appCommand). */
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
      const command = commandLine(parts.appCommand);
      parts.announce({ kind: 'waiting', pid, remaining: found.flat().map((process) => asLaunched(process, command)), killInMs, canForce });
    },
    (error: unknown) => parts.logger.verbose(`could not list what the stop waits for: ${String(error)}`),
  );
}

/**
 * An instance woken from a Node spare runs as `node …/prestart/park.cjs` in the process table (the
 * spare's own command line); the user knows it by the command they gave, which is what it runs.
 * The table joins arguments with spaces, so the park script's path (spaces and all) is searched as text.
 */
function asLaunched(process: Remaining, appCommand: string): Remaining {
  const park = parkScript();
  return park !== undefined && process.command.includes(park) ? { ...process, command: appCommand } : process;
}

/** Looked up on a slow stop's first line, not at load; undefined in a build without the asset (nothing runs through it). */
let parkPath: string | null | undefined;
function parkScript(): string | undefined {
  if (parkPath === undefined) {
    try {
      parkPath = assetPath('prestart/park.cjs');
    } catch {
      parkPath = null;
    }
  }
  return parkPath ?? undefined;
}
