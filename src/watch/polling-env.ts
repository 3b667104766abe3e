import type { ChokidarOptions, FSWatcher } from 'chokidar';
import { StaysClosedWatcher } from './stays-closed.js';
import { defaultPollMs } from '../tuning.js';

/**
 * chokidar's two environment variables, CHOKIDAR_USEPOLLING and CHOKIDAR_INTERVAL: set in many
 * container images and VM setups so that every tool built on chokidar polls. chokidar reads them
 * in its constructor and lets them override the options it is given, so left alone they would
 * make devreload poll without knowing it (its rescans and re-checks timed for native events),
 * turn `--poll` off (CHOKIDAR_USEPOLLING=false), change its interval, and turn the polling
 * fallback for paths the OS would not watch (polling-fallback.ts) into native watching again.
 * Here they are read once, as what they mean to devreload: a polling default below `--poll`,
 * and chokidar itself never sees them.
 */
export const USE_POLLING_ENV = 'CHOKIDAR_USEPOLLING';
export const INTERVAL_ENV = 'CHOKIDAR_INTERVAL';

/**
 * The polling interval to watch with: `poll` (devreload's `--poll`, the config's or the API's)
 * when set, else the environment's. CHOKIDAR_USEPOLLING is read as chokidar reads it (`true`,
 * `1` or any other word: on; `false`, `0` or empty: off); CHOKIDAR_INTERVAL gives the interval
 * (a positive whole number of ms, else `--poll`'s default).
 */
export function pollingInterval(poll: number | undefined, env: NodeJS.ProcessEnv = process.env): number | undefined {
  if (poll !== undefined) return poll;
  const use = env[USE_POLLING_ENV]?.toLowerCase();
  if (use === undefined || use === '' || use === 'false' || use === '0') return undefined;
  const interval = Number(env[INTERVAL_ENV]);
  return Number.isInteger(interval) && interval > 0 ? interval : defaultPollMs;
}

/**
 * A chokidar watcher that stays closed (stays-closed.ts), made with chokidar's environment
 * variables out of its sight: the options devreload computed (with pollingInterval()) are what it watches with. The variables are put
 * back before anything else runs (the constructor is synchronous), so the app, whose
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
