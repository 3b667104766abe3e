import { createInterface } from 'node:readline';
import { readProcStat } from '../process/proc-stat.js';

export interface ControlHandlers {
  /** `rs` + Enter, the habit nodemon users have. */
  restart(): void;
  /** Any other line, newline included, for the app's stdin. */
  forward(line: string): void;
}

/**
 * Reads devreload's stdin line by line: `rs` restarts, other lines go to the app. A stdin that
 * is closed or not a terminal (editor consoles, CI) simply ends; devreload keeps running.
 * Returns the disposer, which releases stdin so it never keeps devreload alive.
 */
export function readControls(input: NodeJS.ReadStream, handlers: ControlHandlers): () => void {
  // A background job that reads its terminal is stopped by SIGTTIN: leave stdin alone then.
  if (input.isTTY === true && !inForeground()) return () => undefined;
  const lines = createInterface({ input, crlfDelay: Number.POSITIVE_INFINITY, terminal: false });
  lines.on('line', (line) => {
    if (line.trim() === 'rs') handlers.restart();
    else handlers.forward(`${line}\n`);
  });
  // Whatever the error (EIO/EBADF on a stdin that went away, EAGAIN from a terminal another
  // program made non-blocking), only the controls end: devreload never needs its stdin.
  input.on('error', () => lines.close());
  return () => {
    lines.close();
    input.pause();
    if (input.isTTY !== true) input.destroy();
  };
}

/** True unless /proc says another process group owns the terminal (where /proc is missing, assume yes). */
function inForeground(): boolean {
  const self = readProcStat('self');
  return self === undefined || self.tpgid === -1 || self.tpgid === self.pgrp;
}
