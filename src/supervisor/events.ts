import path from 'node:path';
import type { LogEvent, OnExit, Signal } from '../core/types.js';

/** The events a Reloader emits (and `--json` prints as NDJSON), with paths relative to the working directory. */
export interface ReloaderEvents {
  /** The app was started for the first time. */
  start: [{ pid: number }];
  /** The watcher is ready: changes from now on restart the app. */
  watching: [{ paths: string[]; ms: number }];
  /** A restart began: the first change (more may be folded in before the new instance starts). */
  change: [{ paths: string[]; count: number }];
  /** A stop signal was sent to the app. */
  stop: [{ pid: number; signal: Signal; reason: 'restart' | 'shutdown' | 'leftovers' }];
  /** The app did not stop in time (or a second Ctrl-C came) and was sent SIGKILL. */
  kill: [{ pid: number; reason: 'timeout' | 'forced' }];
  /** The app exited on its own; `next` says what devreload does about it. */
  exit: [{ code: number | null; signal: Signal | null; next: OnExit | 'change'; retryInMs: number | null }];
  /** The instance is ready (`--ready`, or by default with `--socket`): it accepts, answers, or printed the line. */
  ready: [{ pid: number; ms: number }];
  /** A new instance replaced the old one. */
  restart: [{ pid: number; ms: number; paths: string[]; count: number }];
  /** The app could not be started (not `error`: an EventEmitter throws an unhandled `error`). */
  spawnError: [{ message: string; fatal: boolean }];
  /** Every event of the state machine, unabridged. */
  event: [LogEvent];
}

export type PublicEvent = { [K in keyof ReloaderEvents]: K extends 'event' ? never : { name: K; payload: ReloaderEvents[K][0] } }[Exclude<keyof ReloaderEvents, 'event'>];

/** Maps a state-machine event to the public event it stands for (if any). */
export function toPublicEvent(event: LogEvent, cwd: string): PublicEvent | undefined {
  const relative = (paths: readonly string[]) => paths.map((p) => path.relative(cwd, p) || '.');
  switch (event.kind) {
    case 'change':
      return { name: 'change', payload: { paths: relative(event.changes.paths), count: event.changes.count } };
    case 'stopping':
      return { name: 'stop', payload: { pid: event.pid, signal: event.signal, reason: event.reason } };
    case 'escalating':
      return { name: 'kill', payload: { pid: event.pid, reason: 'timeout' } };
    case 'forcing':
      return { name: 'kill', payload: { pid: event.pid, reason: 'forced' } };
    case 'spawned':
      if (event.restartMs === null) return { name: 'start', payload: { pid: event.pid } };
      return {
        name: 'restart',
        payload: { pid: event.pid, ms: Math.round(event.restartMs), paths: relative(event.changes?.paths ?? []), count: event.changes?.count ?? 0 },
      };
    case 'spawnFailed':
      return { name: 'spawnError', payload: { message: event.message, fatal: event.fatal } };
    case 'exited':
      return { name: 'exit', payload: { code: event.exit.code, signal: event.exit.signal, next: event.next, retryInMs: event.retryInMs } };
    case 'starting':
    case 'shutdown':
      return undefined;
  }
}

/** One NDJSON line: `{"event":"restart","time":"…","pid":…}`. */
export function toJsonLine(event: PublicEvent, time: Date): string {
  return `${JSON.stringify({ event: event.name, time: time.toISOString(), ...event.payload })}\n`;
}
