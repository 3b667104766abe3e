export { createReloader } from './supervisor/api.js';
export type { Reloader } from './supervisor/types.js';
export type { ReloaderEvents } from './supervisor/events.js';
export { resolveOptions } from './options/resolve.js';
export type { DevreloadOptions, ResolvedOptions, LogLevel } from './options/resolve.js';
export type { LogEvent, ExitInfo, Changes, Signal, OnExit } from './core/types.js';
export { DevreloadError } from './errors.js';
