import { createInterface, type Interface } from 'node:readline';
import { ReadStream } from 'node:tty';
import { foregroundCheckMs } from '../tuning.js';
import { inForeground } from './foreground.js';

export interface ControlHandlers {
  /** `rs` + Enter, the habit nodemon users have. */
  restart(): void;
  /** Any other line, newline included, for the app's stdin. */
  forward(line: string): void;
}

/** The reader of devreload's stdin, as the supervisor drives it. */
export interface Controls {
  /** Looks again whether devreload owns its terminal (after it was continued): reads only then. */
  recheck(): void;
  /** Releases stdin so it never keeps devreload alive. Idempotent. */
  close(): void;
}

/** What the terminal reader needs of the OS; tests of the logic pass fakes. */
export interface TerminalAccess {
  /** A fresh reader of the terminal on fd 0 (the first one ends with Ctrl-D). */
  reopen(): NodeJS.ReadableStream;
  inForeground(): boolean;
  /** SIGCONT (`fg`, `bg`); returns the disposer. */
  continued(listener: () => void): () => void;
  every(ms: number, tick: () => void): () => void;
}

export const realTerminal: TerminalAccess = {
  reopen: () => new ReadStream(0),
  inForeground,
  continued: (listener) => {
    process.on('SIGCONT', listener);
    return () => process.off('SIGCONT', listener);
  },
  every: (ms, tick) => {
    const timer = setInterval(tick, ms).unref();
    return () => clearInterval(timer);
  },
};

/**
 * Reads devreload's stdin line by line: `rs` restarts, other lines go to the app.
 * - Not a terminal (a pipe, /dev/null, an editor's console): read to its end, then nothing more.
 * - A terminal: read only while devreload's group owns it (a background job that reads it is
 *   stopped by SIGTTIN), looking again on SIGCONT and, while it does not, every
 *   `foregroundCheckMs` (bash's `fg` sends no SIGCONT to a job that was running). Ctrl-D ends one
 *   read, not the terminal: reading starts again on the next look.
 */
export function readControls(input: NodeJS.ReadStream, handlers: ControlHandlers, terminal: TerminalAccess = realTerminal): Controls {
  if (input.isTTY !== true) return readPipe(input, handlers);
  return new TerminalControls(input, handlers, terminal);
}

function lineReader(input: NodeJS.ReadableStream, handlers: ControlHandlers): Interface {
  const lines = createInterface({ input, crlfDelay: Number.POSITIVE_INFINITY, terminal: false });
  // readline re-emits the input's errors on the interface, where one without a listener would
  // crash devreload: `nohup devreload … &` typed in a terminal gets a stdin opened write-only
  // (EBADF on read). The input's own listeners end the reading.
  lines.on('error', () => undefined);
  lines.on('line', (line) => {
    if (line.trim() === 'rs') handlers.restart();
    else handlers.forward(`${line}\n`);
  });
  return lines;
}

function readPipe(input: NodeJS.ReadStream, handlers: ControlHandlers): Controls {
  const lines = lineReader(input, handlers);
  // Whatever the error (EIO/EBADF on a stdin that went away), only the controls end.
  input.on('error', () => lines.close());
  return {
    recheck: () => undefined,
    close() {
      lines.close();
      input.pause();
      input.destroy();
    },
  };
}

class TerminalControls implements Controls {
  /** The stream being read, or null while not reading (background, or after Ctrl-D). */
  #reading: { stream: NodeJS.ReadableStream; lines: Interface } | null = null;
  /** process.stdin until it ended once; then a fresh reader each time. */
  #first: NodeJS.ReadStream | null;
  #stopPolling: (() => void) | null = null;
  #stopListening: () => void;
  #closed = false;

  constructor(
    input: NodeJS.ReadStream,
    private readonly handlers: ControlHandlers,
    private readonly terminal: TerminalAccess,
  ) {
    this.#first = input;
    this.#stopListening = terminal.continued(() => this.recheck());
    this.recheck();
  }

  recheck(): void {
    if (this.#closed) return;
    const foreground = this.terminal.inForeground();
    if (foreground && this.#reading === null) this.#open();
    else if (!foreground && this.#reading !== null) this.#release();
    // Looking periodically only while not reading: going to the background always passes
    // through a stop (Ctrl-Z) and a SIGCONT, which look again.
    if (this.#reading === null) this.#stopPolling ??= this.terminal.every(foregroundCheckMs, () => this.recheck());
    else {
      this.#stopPolling?.();
      this.#stopPolling = null;
    }
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#stopListening();
    this.#stopPolling?.();
    this.#stopPolling = null;
    this.#release();
    // process.stdin itself, never read: let go of it so it keeps nothing alive.
    this.#first?.pause();
  }

  #open(): void {
    let stream: NodeJS.ReadableStream;
    try {
      stream = this.#first ?? this.terminal.reopen();
    } catch {
      // fd 0 is no terminal any more (closed, replaced): nothing to read; the next look tries again.
      return;
    }
    this.#first = null;
    const lines = lineReader(stream, this.handlers);
    const reading = { stream, lines };
    this.#reading = reading;
    const ended = () => {
      if (this.#reading !== reading) return;
      // Ctrl-D (or an error such as EIO): this reader is done, the terminal is not. Read again
      // at the next look, not at once: a terminal that hung up would end every read at once.
      this.#release();
      if (!this.#closed) this.#stopPolling ??= this.terminal.every(foregroundCheckMs, () => this.recheck());
    };
    stream.on('end', ended);
    stream.on('error', ended);
    lines.on('close', ended);
  }

  #release(): void {
    const reading = this.#reading;
    if (reading === null) return;
    this.#reading = null;
    reading.lines.close();
    // A terminal reader is a socket on fd 0: destroying it stops the reads (which a paused
    // stream would go on making) and leaves fd 0 open for the next one.
    const stream = reading.stream as NodeJS.ReadableStream & { destroy?: () => void };
    stream.pause();
    stream.destroy?.();
  }
}
