import path from 'node:path';
import pc from 'picocolors';
import type { Changes, LogEvent } from '../core/types.js';
import type { LogLevel } from '../options/resolve.js';
import { crashLoopStreak } from '../tuning.js';
import { commandLine } from './shell-quote.js';

/** devreload's own lines; they go to stderr so the app's stdout stays the app's. */
export interface Logger {
  event(event: LogEvent): void;
  info(message: string): void;
  verbose(message: string): void;
  warn(message: string): void;
  error(message: string): void;
}

export interface LoggerOptions {
  level: LogLevel;
  cwd: string;
  /**
   * The app's command line, as the "started" line shows it: an argv is quoted as a POSIX shell
   * would need it (the line can be copied into a terminal); a string is shown as it is.
   */
  command: string | readonly string[];
  stream?: NodeJS.WritableStream & { isTTY?: boolean };
  env?: NodeJS.ProcessEnv;
  /**
   * `--clear`: the terminal to clear when a restart begins, before the line that says what
   * changed (so that line stays on screen). Ignored unless it is a TTY.
   */
  clear?: { write(text: string): unknown; isTTY?: boolean };
  /** `--proxy`: the address to open in the browser, shown on the start line. */
  open?: string | undefined;
  /** The configuration file in use (`nodemon.json`), shown on the start line. */
  using?: string | undefined;
  /** `--build`: a change starts a build, not a restart, and the line says so. */
  building?: boolean;
}

/** Clears the screen and the scrollback, cursor home. */
export const clearSequence = '\x1b[2J\x1b[3J\x1b[H';

/** Colours only on a terminal, and never with NO_COLOR (https://no-color.org); FORCE_COLOR wins. */
function useColor(stream: { isTTY?: boolean }, env: NodeJS.ProcessEnv): boolean {
  if (env.FORCE_COLOR !== undefined && env.FORCE_COLOR !== '0') return true;
  if (env.NO_COLOR !== undefined && env.NO_COLOR !== '') return false;
  return stream.isTTY === true && env.TERM !== 'dumb';
}

export function createLogger(options: LoggerOptions): Logger {
  const stream = options.stream ?? process.stderr;
  const c = pc.createColors(useColor(stream, options.env ?? process.env));
  const prefix = c.green('[devreload]');
  const write = (text: string) => {
    stream.write(`${prefix} ${text}\n`);
  };
  const normal = options.level !== 'quiet';
  const verbose = options.level === 'verbose';
  const relative = (p: string) => path.relative(options.cwd, p) || '.';
  const command = commandLine(options.command);
  const clear = () => {
    if (options.clear?.isTTY === true) options.clear.write(clearSequence);
  };
  const describeChanges = ({ paths, count }: Changes) => {
    const more = count > 1 ? c.dim(` (+${count - 1} more)`) : '';
    return `${c.bold(relative(paths[0] ?? '?'))}${more}`;
  };

  const logger: Logger = {
    info(message) {
      if (normal) write(message);
    },
    verbose(message) {
      if (verbose) write(c.dim(message));
    },
    warn: (message) => write(c.yellow(message)),
    error: (message) => write(c.red(message)),
    event(event) {
      switch (event.kind) {
        case 'starting':
          // Announced once spawned: a command that cannot start must leave one error line only.
          return;
        case 'change': {
          // A restart begins: what the old instance printed goes, what comes next stays.
          clear();
          // With --build nothing restarts until a build succeeded (and a failed one restarts nothing).
          const what = options.building === true ? 'building' : 'restarting';
          const first = event.changes.paths[0];
          if (first === undefined) return logger.info(`${what} (requested)`);
          return logger.info(`${what}: ${describeChanges(event.changes)} changed`);
        }
        case 'stopping':
          return logger.verbose(`sending ${event.signal} to pid ${event.pid} and its process group (${event.reason})`);
        case 'escalating':
          return logger.warn(`app did not stop within ${event.afterMs} ms — sending SIGKILL`);
        case 'forcing':
          return logger.warn('second interrupt — killing the app now (SIGKILL)');
        case 'waiting':
          if (event.remaining.length === 0) return;
          return logger.warn(waitingLine(event));
        case 'spawned':
          if (event.restartMs === null) {
            const open = options.open === undefined ? '' : ` — open ${c.bold(options.open)}`;
            const using = options.using === undefined ? '' : ` (using ${options.using})`;
            return logger.info(`started ${c.bold(command)}${using}${open}${verbose ? c.dim(` (pid ${event.pid})`) : ''}`);
          }
          {
            // The first event announced the restart; a burst is only counted once it is over.
            const folded = event.changes !== null && event.changes.count > 1 ? ` — ${describeChanges(event.changes)} changed` : '';
            return logger.info(`restarted in ${Math.round(event.restartMs)} ms${folded}${verbose ? c.dim(` (pid ${event.pid})`) : ''}`);
          }
        case 'ready': {
          const where = event.address === null ? '' : ` (listening on ${event.address})`;
          const folded = event.changes !== null && event.changes.count > 1 ? ` — ${describeChanges(event.changes)} changed` : '';
          return logger.info(`ready in ${Math.round(event.restartMs ?? event.ms)} ms${where}${folded}${verbose ? c.dim(` (pid ${event.pid})`) : ''}`);
        }
        case 'spawnFailed':
          return logger.error(event.fatal ? `error: ${event.message}` : `${event.message} — waiting for changes`);
        case 'exited':
          return reportExit(logger, event);
        case 'shutdown':
          // Nothing else would tell why devreload stopped on its own.
          if (event.trigger === 'parent') return logger.info('parent exited — stopping the app');
          return logger.verbose(`received ${event.trigger === 'api' ? 'stop()' : event.trigger} — stopping the app`);
        case 'terminating':
          return logger.verbose(`${event.target === 'build' ? 'build step' : 'app'} (pid ${event.pid}) exited after ${event.after} — sending SIGTERM to what it left running`);
        case 'postponed':
          return logger.info('waiting for a change before starting (--postpone)');
        case 'building':
          // A change's build was announced by its `building: … changed` line.
          return event.changes === null ? logger.info('building') : logger.verbose('build started');
        case 'built':
          return logger.info(`built in ${formatDuration(Math.round(event.ms))}`);
        case 'buildFailed': {
          const how = event.message ?? (event.exit.signal !== null ? `killed by ${event.exit.signal}` : `exit ${event.exit.code ?? 'unknown'}`);
          // `keeping`: the app's own process (supervisor/app-pid.ts), not a tsx or shell above it.
          const next = event.keeping === null ? 'waiting for changes' : `keeping the running app (pid ${event.keeping})`;
          return logger.error(`build failed (${how}) — ${next}`);
        }
        case 'buildCancelled':
          return logger.verbose(`cancelling the build${event.pid === null ? '' : ` (pid ${event.pid})`}: ${event.reason === 'change' ? 'files changed while it ran' : 'stopping'}`);
      }
    },
  };
  return logger;
}

function reportExit(logger: Logger, event: Extract<LogEvent, { kind: 'exited' }>): void {
  const { code, signal } = event.exit;
  const how = signal !== null ? `was killed by ${signal}` : `exited with code ${code ?? 'unknown'}`;
  const retry = event.retryInMs === null ? '' : formatDuration(event.retryInMs);
  const line = (() => {
    switch (event.next) {
      case 'wait':
        return `app ${how} — waiting for changes`;
      case 'quit':
        return `app ${how} — exiting (--on-exit quit)`;
      case 'change':
        return `app ${how}`;
      case 'restart':
        return event.streak >= crashLoopStreak
          ? `app keeps crashing (${how}, ${event.streak} times in a row) — crash loop: restarting in ${retry}; save a file to retry now`
          : `app ${how} — restarting in ${retry}`;
    }
  })();
  if (code === 0 && event.streak < crashLoopStreak) logger.info(line);
  else logger.warn(line);
}

/** Commands named on the waiting line; a command line is cut to this many characters. */
const maxNamed = 3;
const maxCommand = 60;

/**
 * `waiting for pid 1234 (node server.js) to exit — 4 s until SIGKILL; Ctrl-C again to force`.
 * Processes with the same command line (a pre-fork server's master and workers) share one name:
 * `pids 10, 11, 12 (gunicorn app:app)`.
 */
export function waitingLine(event: Extract<LogEvent, { kind: 'waiting' }>): string {
  const byCommand = new Map<string, number[]>();
  for (const { pid, command: full } of event.remaining) {
    // One line: a `node -e` script or a quoted argument may hold line breaks.
    const command = full.replace(/\s+/g, ' ').trim();
    byCommand.set(command, [...(byCommand.get(command) ?? []), pid]);
  }
  const groups = [...byCommand].slice(0, maxNamed);
  const named = groups.map(([command, pids]) => {
    const shown = command.length > maxCommand ? `${command.slice(0, maxCommand - 1)}…` : command;
    return `${pids.join(', ')} (${shown})`;
  });
  const more = event.remaining.length - groups.reduce((sum, [, pids]) => sum + pids.length, 0);
  const who = `pid${event.remaining.length > 1 ? 's' : ''} ${named.join(', ')}${more > 0 ? ` and ${more} more` : ''}`;
  const when = event.killInMs === null ? 'SIGKILL sent' : `${formatDuration(event.killInMs)} until SIGKILL`;
  return `waiting for ${who} to exit — ${when}${event.canForce ? '; Ctrl-C again to force' : ''}`;
}

function formatDuration(ms: number): string {
  return ms < 1000 ? `${ms} ms` : `${Number((ms / 1000).toFixed(1))} s`;
}
