import path from 'node:path';
import type { ExitCause, LogEvent, OnExit, Signal } from '../core/types.js';

/** The events a Reloader emits (and `--json` prints as NDJSON), with paths relative to the working directory. */
export interface ReloaderEvents {
  /** The app was started for the first time. */
  start: [{ pid: number }];
  /** The watcher is ready: changes from now on restart the app. */
  watching: [{ paths: string[]; ms: number }];
  /** A restart began: the first change (more may be folded in before the new instance starts). */
  change: [{ paths: string[]; count: number }];
  /**
   * A stop signal was sent to the app (`pid`: the instance's leader). `reason`: `restart` (a
   * change or `rs`; the next instance follows once every process is gone), `shutdown` (devreload
   * is stopping: Ctrl-C, SIGTERM, SIGHUP or `stop()`), or `leftovers` (the app exited on its own
   * and processes it started were still running; an exit that left nothing behind has no `stop`).
   */
  stop: [{ pid: number; signal: Signal; reason: 'restart' | 'shutdown' | 'leftovers' }];
  /**
   * A stop is taking long (about a second): the processes it still waits for (the leader first,
   * with their command lines), and the ms until SIGKILL (null: SIGKILL was already sent).
   */
  waiting: [{ pid: number; processes: Array<{ pid: number; command: string }>; killInMs: number | null }];
  /** The app did not stop in time (or a second Ctrl-C came) and was sent SIGKILL. */
  kill: [{ pid: number; reason: 'timeout' | 'forced' }];
  /** The app exited on its own (not devreload: see `quit`); `next` says what devreload does about it. */
  exit: [{ code: number | null; signal: Signal | null; next: OnExit | 'change'; retryInMs: number | null }];
  /**
   * The instance is ready: by default it listens on a TCP port (Linux; `address`, e.g.
   * `127.0.0.1:3000`); with `--socket` it accepted on the first socket; with `--ready` it
   * accepts, answers, or printed the line (`address` null). `ms`: from its spawn; `restartMs`:
   * from the change that restarted it, i.e. what the restart took until ready (null for the
   * first start).
   */
  ready: [{ pid: number; ms: number; restartMs: number | null; address: string | null }];
  /** A new instance replaced the old one. */
  restart: [{ pid: number; ms: number; paths: string[]; count: number }];
  /**
   * `--build`: a build started (`paths`, `count`: what it builds; empty at launch), succeeded
   * (`ms`), failed (`code`/`signal`, `ms`, and the pid of the instance that keeps serving, or
   * null), or was cancelled by a change or a shutdown.
   */
  build: [
    | { phase: 'start'; paths: string[]; count: number }
    | { phase: 'ok'; ms: number }
    | { phase: 'failed'; code: number | null; signal: Signal | null; ms: number; keeping: number | null }
    | { phase: 'cancelled'; pid: number | null; reason: 'change' | 'shutdown' },
  ];
  /**
   * `--proxy`: listening at `url`; or requests that waited while no instance was ready were
   * forwarded to the new one (`released`), answered with the failure page because the app
   * exited or its build failed (`failed`), or answered 502 after the bound (`timedOut`): how
   * many, and the longest wait in ms.
   */
  proxy: [{ phase: 'listening'; url: string } | { phase: 'released' | 'failed' | 'timedOut'; requests: number; waitedMs: number }];
  /**
   * `--proxy`: the open pages were told to reload: a restart's new instance is ready
   * (`restart`), or `--reload-only` files changed (`reloadOnly`, one event per quiet window,
   * with all their `paths`). `connections`: the live-reload streams told; a browser's tabs
   * share one (a tab without Web Locks, e.g. on a non-loopback http:// address, has its own).
   */
  reload: [{ connections: number; reason: 'restart' | 'reloadOnly'; paths: string[] }];
  /** The app could not be started (not `error`: an EventEmitter throws an unhandled `error`). */
  spawnError: [{ message: string; fatal: boolean }];
  /**
   * The last event: devreload itself stops, with exit code `code`, once every process it started
   * is gone. `reason`: `signal` (it received `signal`: SIGINT, SIGTERM or SIGHUP), `stop` (the
   * API's `stop()`), `parentExit` (the process that started devreload, or the top of the job it
   * runs in such as npm, went away; code 129, as for SIGHUP), `appExit` (`--on-exit quit`: the
   * app exited, `code` is the app's),
   * `spawnError` (the command could not be started: 126 or 127), `buildFailed` (`--build` with
   * `--on-exit quit`: the first build failed).
   */
  quit: [{ code: number; reason: QuitReason; signal: Signal | null }];
  /** Every event of the state machine, unabridged. */
  event: [LogEvent];
}

export type QuitReason = 'signal' | 'stop' | 'parentExit' | 'appExit' | 'spawnError' | 'buildFailed';

/** Why the machine ended devreload: the shutdown's trigger (a signal, `api` for stop(), `parent`), or what ended it without one. */
export type QuitCause = ExitCause;

/** The final `quit` event for devreload's exit code and what caused it. */
export function toQuitEvent(code: number, cause: QuitCause): PublicEvent {
  if (cause === 'api') return { name: 'quit', payload: { code, reason: 'stop', signal: null } };
  if (cause === 'parent') return { name: 'quit', payload: { code, reason: 'parentExit', signal: null } };
  if (cause === 'appExit' || cause === 'spawnError' || cause === 'buildFailed') return { name: 'quit', payload: { code, reason: cause, signal: null } };
  return { name: 'quit', payload: { code, reason: 'signal', signal: cause } };
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
    case 'waiting':
      if (event.remaining.length === 0) return undefined;
      return { name: 'waiting', payload: { pid: event.pid, processes: event.remaining.map(({ pid, command }) => ({ pid, command })), killInMs: event.killInMs } };
    case 'spawned':
      if (event.restartMs === null) return { name: 'start', payload: { pid: event.pid } };
      return {
        name: 'restart',
        payload: { pid: event.pid, ms: Math.round(event.restartMs), paths: relative(event.changes?.paths ?? []), count: event.changes?.count ?? 0 },
      };
    case 'ready':
      return { name: 'ready', payload: { pid: event.pid, ms: Math.round(event.ms), restartMs: event.restartMs === null ? null : Math.round(event.restartMs), address: event.address } };
    case 'spawnFailed':
      return { name: 'spawnError', payload: { message: event.message, fatal: event.fatal } };
    case 'exited':
      return { name: 'exit', payload: { code: event.exit.code, signal: event.exit.signal, next: event.next, retryInMs: event.retryInMs } };
    case 'building':
      return { name: 'build', payload: { phase: 'start', paths: relative(event.changes?.paths ?? []), count: event.changes?.count ?? 0 } };
    case 'built':
      return { name: 'build', payload: { phase: 'ok', ms: Math.round(event.ms) } };
    case 'buildFailed':
      return { name: 'build', payload: { phase: 'failed', code: event.exit.code, signal: event.exit.signal, ms: Math.round(event.ms), keeping: event.keeping } };
    case 'buildCancelled':
      return { name: 'build', payload: { phase: 'cancelled', pid: event.pid, reason: event.reason } };
    case 'starting':
    case 'shutdown':
    case 'postponed':
    // Said on the log with --verbose; the `stop` event already told which signal the stop began with.
    case 'terminating':
      return undefined;
  }
}

/** One NDJSON line: `{"event":"restart","time":"…","pid":…}`. */
export function toJsonLine(event: PublicEvent, time: Date): string {
  return `${JSON.stringify({ event: event.name, time: time.toISOString(), ...event.payload })}\n`;
}
