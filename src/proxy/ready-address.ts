import type { ReloaderEvents } from '../supervisor/events.js';

/**
 * The port a new instance is ready on, as the supervisor's `ready` event tells it. The one place
 * that reads the event's payload: its `address` (`127.0.0.1:3000`, `[::]:3000`) is set when the
 * instance was seen listening (the default check, Linux); with `--socket` and `--ready` it is
 * null and the port comes from the options (`--proxy 3001:3000`, `--socket`, `--ready`).
 */
export function readyPort(payload: ReloaderEvents['ready'][0]): number | undefined {
  const port = Number(/:(\d+)$/.exec(payload.address ?? '')?.[1]);
  return Number.isInteger(port) && port > 0 ? port : undefined;
}
