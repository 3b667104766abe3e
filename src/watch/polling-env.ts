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
