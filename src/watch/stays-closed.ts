import { FSWatcher, type ChokidarOptions } from 'chokidar';
import { INTERVAL_ENV, USE_POLLING_ENV } from './polling-env.js';

type Paths = Parameters<FSWatcher['add']>[0];
type Throttle = FSWatcher['_throttle'];

/**
 * A chokidar instance that stays closed once close() was called, and whose leftovers never
 * hold the process.
 *
 * chokidar's add() re-opens a closed instance (it resets `closed`), and chokidar calls add()
 * itself from work still in flight at close(): the stat of a file deleted just before (its
 * file listener's catch), which goes on to "watch the only file's folder for its return" and,
 * that folder being gone too, the nearest ancestor that still exists. A project deleted while
 * devreload shut down left it watching the project's parent (/tmp) forever, reading all of it
 * on every change there, with an fs.watch() handle that kept devreload from ever exiting.
 */
export class StaysClosedWatcher extends FSWatcher {
  #closedForGood = false;

  override add(paths: Paths, origAdd?: string, internal?: boolean): FSWatcher {
    if (this.#closedForGood) return this;
    return super.add(paths, origAdd, internal);
  }

  override close(): Promise<void> {
    this.#closedForGood = true;
    return super.close();
  }

  /**
   * A throttle's timer only ends a window in which repeats are dropped, and close() leaves it
   * running: one folder read in the last second held devreload's exit for up to a second.
   */
  override _throttle(...args: Parameters<Throttle>): ReturnType<Throttle> {
    const throttler = super._throttle(...args);
    if (throttler !== false) throttler.timeoutObject.unref();
    return throttler;
  }
}

/**
 * A watcher that stays closed, made with chokidar's environment variables out of its sight
 * (polling-env.ts): the options devreload computed are what it watches with. The variables are
 * put back before anything else runs (the constructor is synchronous), so the app, whose
 * environment is devreload's, still gets them.
 */
export function newFSWatcher(options: ChokidarOptions): FSWatcher {
  const saved = [USE_POLLING_ENV, INTERVAL_ENV].map((name) => [name, process.env[name]] as const);
  for (const [name] of saved) delete process.env[name];
  try {
    return new StaysClosedWatcher(options);
  } finally {
    for (const [name, value] of saved) if (value !== undefined) process.env[name] = value;
  }
}
