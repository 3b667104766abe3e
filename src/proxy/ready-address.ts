import type { ReloaderEvents } from '../supervisor/events.js';

/**
 * The port a new instance is ready on, as the supervisor's `ready` event tells it. The one place
 * that reads the event's payload: today it carries `{ pid, ms }` only, so the port comes from
 * the options (`--proxy 3001:3000`, `--socket`, `--ready`). Once the event carries the address
 * the instance was seen listening on, return its port here and set readyEventCarriesPort.
 */
export function readyPort(payload: ReloaderEvents['ready'][0]): number | undefined {
  const address = (payload as { address?: { port?: unknown } }).address;
  return typeof address?.port === 'number' ? address.port : undefined;
}

/**
 * Whether every `ready` event tells the port (see readyPort). While it does not, `--proxy`
 * without an app port from the options is refused at start-up with a line saying how to give it.
 */
export const readyEventCarriesPort = false;
