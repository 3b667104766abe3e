import type { Logger } from '../log/logger.js';
import type { OptionNaming } from '../options/resolve.js';
import type { ReloaderEvents } from './events.js';
import type { SupervisorPorts } from './ports.js';

export interface Reloader {
  /** Starts the app and the watcher; resolves once changes are being watched. */
  start(): Promise<void>;
  /** Restarts the app as if a file had changed. */
  restart(): void;
  /** Stops the app (gracefully, then SIGKILL after the kill timeout) and the watcher. Idempotent. */
  stop(): Promise<number>;
  /** Resolves with devreload's exit code once everything is stopped. */
  readonly exited: Promise<number>;
  on<K extends keyof ReloaderEvents>(event: K, listener: (...args: ReloaderEvents[K]) => void): this;
  off<K extends keyof ReloaderEvents>(event: K, listener: (...args: ReloaderEvents[K]) => void): this;
}

/** Options only the CLI (and tests) set. */
export interface InternalOptions {
  naming?: OptionNaming;
  /** Stop on SIGINT/SIGTERM/SIGHUP sent to this process. */
  handleSignals?: boolean;
  /** Read this process's stdin: `rs` restarts, other lines go to the app. */
  readStdin?: boolean;
  /** Write every public event as an NDJSON line here (`--json`). */
  json?: NodeJS.WritableStream;
  /** Clear this terminal before each restart (`--clear`); ignored unless it is a TTY. */
  clear?: NodeJS.WriteStream;
  logger?: Logger;
  /** The configuration file in use (`nodemon.json`), named on the start line. */
  configSource?: string | undefined;
  /** Replaces some of the OS-facing parts (tests of the effect runner); the rest are the real ones. */
  ports?: Partial<SupervisorPorts>;
}
