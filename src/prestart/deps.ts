import type { Clock } from '../clock.js';
import type { Logger } from '../log/logger.js';
import type { Instance, InstanceSpec } from '../process/instance.js';
import type { Watchdog } from '../process/watchdog.js';

/** `runtime`: a spare boots the runtime only; `warm`: it also loads the app's third-party dependencies. */
export type PrestartMode = 'runtime' | 'warm';

/** What every kind of spare (Node's, Python's) needs of the supervisor. */
export interface PrestartDeps {
  launch(spec: InstanceSpec): Promise<Instance>;
  watchdog(): Watchdog | null;
  clock: Clock;
  logger: Logger;
  /** Default: warm. */
  mode?: PrestartMode;
  /**
   * The defaults (no --prestart): a runtime-only spare is booted only when prepare() says a start
   * is owed, never ahead of time, and silently not at all where it would not be exactly a fresh
   * start (a non-Node command, --inspect, a user preload…): the user did not ask for spares.
   */
  onDemand?: boolean;
  /** The user's own folders (the watched paths, workspace packages included): a spare never loads a module from them. */
  userPaths?: readonly string[];
}
