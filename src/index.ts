export { createReloader } from './supervisor/reloader.js';
export type { Reloader, ReloaderEvents } from './supervisor/reloader.js';
export { resolveOptions } from './options/resolve.js';
export type { DevreloadOptions, ResolvedOptions, LogLevel } from './options/resolve.js';
export type { LogEvent, ExitInfo, Changes, Signal } from './core/types.js';
export { DevreloadError } from './errors.js';
