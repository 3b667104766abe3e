import type { Clock } from '../clock.js';
import type { Logger } from '../log/logger.js';
import type { Instance, InstanceSpec } from '../process/instance.js';
import type { Watchdog } from '../process/watchdog.js';

/** What every kind of spare (Node's, Python's) needs of the supervisor. */
export interface PrestartDeps {
  launch(spec: InstanceSpec): Promise<Instance>;
  watchdog(): Watchdog | null;
  clock: Clock;
  logger: Logger;
  /** The user's own folders (the watched paths): a spare never loads a module from them. */
  userPaths?: readonly string[];
}
