import { Socket } from 'node:net';
import { constants } from 'node:os';
import { assetPath } from '../assets.js';
import { RUN_SECRET_ENV, runSecret } from './instance-tag.js';
import { run } from './run.js';
import { defaultTableSource, type TableSource } from './table.js';

export interface WatchdogOptions {
  /** Sent first to every process of a watched instance when devreload dies. */
  signal: NodeJS.Signals;
  /** How long the watchdog waits after `signal` before it sends SIGKILL. */
  graceMs: number;
  /** Process table source for the watchdog; default: `defaultTableSource()`. */
  tableSource?: TableSource;
  /** The run secret whose tagged processes it stops too; default: this devreload's (instance-tag.ts). */
  runSecret?: string;
}

export interface Watchdog {
  /** The watchdog's pid; undefined when it could not be spawned (devreload then runs unguarded). */
  readonly pid?: number | undefined;
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

/**
 * Spawns the watchdog: a tiny POSIX sh program (watchdog.sh) in its own session that holds
 * the read end of a pipe from devreload. The kernel closes the write end however devreload
 * dies (even SIGKILL), so EOF on the watchdog's stdin is the one signal of death nothing
 * can skip. Besides the groups and the tree it stops every process tagged by this run
 * (instance-tag.ts). sh rather than a second Node: ~0.2 MiB private memory instead of ~8, and it is
 * ready in a millisecond instead of ~100.
 */
export function startWatchdog(options: WatchdogOptions): Watchdog {
  // src/process/watchdog.sh from source, dist/process/watchdog.sh (copied by the build) from
  // the compiled tree and the CLI bundle alike; throws, loudly, rather than run unguarded.
  const script = assetPath('process/watchdog.sh');
  const debug = process.env[DEBUG_ENV] === '1';
  // A number, because shells disagree on names (dash has no SIGIOT, SIGPOLL, SIGSTKFLT).
  const signal = (constants.signals as Record<string, number | undefined>)[options.signal];
  if (signal === undefined || !Number.isFinite(options.graceMs)) {
    throw new TypeError(`devreload watchdog: bad signal ${options.signal} or graceMs ${options.graceMs}`);
  }
  const graceMs = Math.max(0, Math.ceil(options.graceMs));
  const source = options.tableSource ?? defaultTableSource();

  // /bin/sh by path, never a shebang: the package manager may drop the exec bit, and PATH
  // may not hold a sh at all.
  const child = run('/bin/sh', [script, String(signal), String(graceMs), source], {
    // Own session: the terminal's Ctrl-C and SIGHUP, and signals aimed at devreload's or
    // the app's group, never reach it.
    detached: true,
    stdio: ['pipe', 'ignore', debug ? 'inherit' : 'ignore'],
    env: watchdogEnv(options.runSecret ?? runSecret()),
    extendEnv: false,
    buffer: false,
  });
  // Neither the process nor the pipe (below) may keep devreload running.
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
  // Settles once the watchdog exited, or at once if it could not be spawned (reject: false).
  void child.then(gone);

  // `writable` turns false after close() and after the socket failed.
  const send = (line: string): void => {
    if (alive && stdin.writable) stdin.write(`${line}\n`);
  };

  return {
    pid: child.pid,
    watch: (leader) => send(`+${leader}`),
    unwatch: (leader) => send(`-${leader}`),
    remember: (leader, pid, startTime) => send(`=${leader} ${pid} ${startTime ?? '-'}`),
    close: () => {
      if (!stdin.destroyed && !stdin.writableEnded) stdin.end();
    },
  };
}

// An editor's debugger puts its bootloader (and sometimes --inspect) in NODE_OPTIONS: nothing
// the watchdog starts (today only sh, awk, grep, ps, sleep) may turn into a debug target. The
// run secret goes in the environment, which only its user can read, never in argv.
function watchdogEnv(secret: string): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, [RUN_SECRET_ENV]: secret };
  delete env['NODE_OPTIONS'];
  return env;
}
