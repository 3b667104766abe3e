import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { Socket } from 'node:net';
import { fileURLToPath } from 'node:url';
import type { TableSource } from './table.js';

export interface WatchdogOptions {
  /** Sent first to every process of a watched instance when devreload dies. */
  signal: NodeJS.Signals;
  /** How long the watchdog waits after `signal` before it sends SIGKILL. */
  graceMs: number;
  /** Process table source for the watchdog; default: its own `defaultTableSource()`. */
  tableSource?: TableSource;
}

export interface Watchdog {
  /** Start guarding the app instance whose leader (= pgid = sid) is `leader`. */
  watch(leader: number): void;
  /** The instance is fully gone; stop guarding it. */
  unwatch(leader: number): void;
  /** Tell the watchdog about an escaped descendant (pid + startTime) so it can be stopped even after its parent died. */
  remember(leader: number, pid: number, startTime: string | undefined): void;
  /** Normal shutdown: close the pipe; the watchdog exits without signalling anything that was unwatched. Idempotent. */
  close(): void;
}

/** Set to 1 to see the watchdog's diagnostics on devreload's stderr. */
const DEBUG_ENV = 'DEVRELOAD_WATCHDOG_DEBUG';

// The watchdog holds a few maps and reads /proc: V8's default heap sizing only costs RSS.
const WATCHDOG_NODE_FLAGS = ['--max-old-space-size=16', '--max-semi-space-size=1'];

/**
 * Spawns the watchdog: a tiny process in its own session that holds the read end of a
 * pipe from devreload. The kernel closes the write end however devreload dies (even
 * SIGKILL), so EOF on the watchdog's stdin is the one signal of death nothing can skip.
 */
export function startWatchdog(options: WatchdogOptions): Watchdog {
  const main = fileURLToPath(new URL('./watchdog-main.js', import.meta.url));
  // Loaded from src/ (ts source without a build), there is no compiled main next to us:
  // say so loudly instead of running unguarded.
  if (!existsSync(main)) {
    throw new Error(`devreload watchdog: ${main} not found; build devreload first (npm run build)`);
  }
  const debug = process.env[DEBUG_ENV] === '1';
  const args = [...WATCHDOG_NODE_FLAGS, main, options.signal, String(options.graceMs)];
  if (options.tableSource !== undefined) args.push(options.tableSource);

  const child = spawn(process.execPath, args, {
    // Own session: the terminal's Ctrl-C and SIGHUP, and signals aimed at devreload's or
    // the app's group, never reach it.
    detached: true,
    stdio: ['pipe', 'ignore', debug ? 'inherit' : 'ignore'],
    env: watchdogEnv(),
  });
  child.unref();

  const stdin = child.stdin;
  // Idle, the socket holds no loop reference; a write stuck on a full pipe would.
  if (stdin instanceof Socket) stdin.unref();
  // Best effort by design: if the watchdog died (EPIPE) or never started (spawn error),
  // devreload keeps working unguarded; nothing here may throw into the supervisor.
  let alive = true;
  const gone = (): void => {
    alive = false;
  };
  stdin.on('error', gone);
  child.on('error', gone);
  child.on('exit', gone);

  // `writable` turns false after close() and after the socket failed.
  const send = (line: string): void => {
    if (alive && stdin.writable) stdin.write(`${line}\n`);
  };

  return {
    watch: (leader) => send(`+${leader}`),
    unwatch: (leader) => send(`-${leader}`),
    remember: (leader, pid, startTime) => send(`=${leader} ${pid} ${startTime ?? '-'}`),
    close: () => {
      if (!stdin.destroyed && !stdin.writableEnded) stdin.end();
    },
  };
}

// An editor's debugger puts its bootloader (and sometimes --inspect) in NODE_OPTIONS:
// the watchdog must neither show up as a debug target nor fight the app for the port.
function watchdogEnv(): NodeJS.ProcessEnv {
  const env = { ...process.env };
  delete env['NODE_OPTIONS'];
  return env;
}
