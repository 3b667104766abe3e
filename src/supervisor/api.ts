import { resolveOptions, type DevreloadOptions } from '../options/resolve.js';
import { Supervisor } from './reloader.js';
import type { InternalOptions, Reloader } from './types.js';

export type { InternalOptions, Reloader } from './types.js';

/** Validates `options` (throwing a DevreloadError that names the culprit) and returns a reloader, not yet started. */
export function createReloader(options: DevreloadOptions, internal: InternalOptions = {}): Reloader {
  return new Supervisor(resolveOptions(options, internal.naming ?? 'api'), internal);
}
