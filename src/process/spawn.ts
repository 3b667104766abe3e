import type { Readable, Writable } from 'node:stream';
import { npmRunPathEnv } from 'npm-run-path';
import { isExpected } from '../errors.js';
import type { ExitInfo, InstanceSpec } from './instance-types.js';
import { TAG_NAME } from './instance-tag.js';
import { run } from './run.js';
import { spawnError } from './spawn-error.js';

export type SpawnOptions = Pick<InstanceSpec, 'command' | 'args' | 'cwd' | 'env' | 'fds' | 'stdoutToStderr'> & {
  /** Pipe the app's stdout/stderr to devreload (to tap them) instead of inheriting them. */
  pipeOutput: boolean;
  /** The instance's tag (instance-tag.ts), put in its environment. */
  tag: string;
};

/**
 * `env` with the PATH that execa's `preferLocal` gives a spawn in `cwd`, from npm-run-path, the
 * library execa uses: every node_modules/.bin from `cwd` up to the root first, as in an npm
 * script (execa adds Node's own folder only with its `node` option, and neither does this).
 * For what must see the PATH of a spawn without being spawned: a woken `--prestart` spare
 * (src/prestart/wake.ts) and the lookup of tsx's runtime.
 */
export function localPathEnv(cwd: string, env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  return npmRunPathEnv({ env, cwd, addExecPath: false });
}

/**
 * The environment spawnApp gives an instance: the caller's, node_modules/.bin on PATH, and the
 * instance's tag (which always wins: a devreload run inside an app tags its own instances).
 */
export function instanceEnv(cwd: string, env: NodeJS.ProcessEnv, tag: string): NodeJS.ProcessEnv {
  return localPathEnv(cwd, { ...env, [TAG_NAME]: tag });
}

export interface SpawnedApp {
  /** Leader = process group id = session id. */
  pid: number;
  /** The app's stdin; errors from a reader that went away are already handled. */
  stdin: Writable;
  /** Null unless `pipeOutput`. */
  stdout: Readable | null;
  stderr: Readable | null;
  /** With `pipeOutput`: the app's stdout or stderr as it comes, in chunks (output-tap.ts splits the lines). */
  chunks(from: 'stdout' | 'stderr'): AsyncIterable<Uint8Array>;
  /** The leader exited (from the child's 'exit' event, the fastest signal). */
  exited: Promise<ExitInfo>;
}

/**
 * Starts the app in a session and process group of its own. Resolves once the OS has spawned
 * it; rejects with DevreloadError when the program or the working directory is unusable.
 */
export async function spawnApp(options: SpawnOptions): Promise<SpawnedApp> {
  const output = options.pipeOutput ? 'pipe' : 'inherit';
  // fd 2 as the app's fd 1: the app writes straight to devreload's stderr (a TTY stays a TTY).
  const stdout = options.stdoutToStderr === true && output === 'inherit' ? 2 : output;
  const subprocess = run(options.command, options.args, {
    cwd: options.cwd,
    // The caller's environment is complete (it merged devreload's own in already).
    env: { ...options.env, [TAG_NAME]: options.tag },
    extendEnv: false,
    // Local binaries resolve as in an npm script: `devreload -- tsx src/server.ts` finds the
    // project's own tsx. localPathEnv() above gives the same PATH to what is not spawned.
    preferLocal: true,
    localDir: options.cwd,
    // Node's detached = setsid(): a signal aimed at the app's group (even one the app sends
    // itself) never reaches devreload, and the terminal's Ctrl-C reaches devreload alone.
    detached: true,
    // The app's output goes on to devreload's (or its taps, output-tap.ts), never into memory.
    buffer: false,
    // The app is outside the terminal's foreground group: reading the TTY would stop it
    // with SIGTTIN, so devreload feeds stdin through a pipe. Extra fds land at 3, 4, … without
    // close-on-exec: a shell passes them on, a Node process in between needs the socket preload.
    // execa passes a lone descriptor number on to the spawn as it is (its types stop at fd 9).
    stdio: ['pipe', stdout, output, ...((options.fds ?? []) as readonly 3[])],
  });

  const stdin = subprocess.stdin;
  if (stdin === null) throw new Error('the app was given no stdin pipe');
  stdin.on('error', (error) => {
    // The app closed its stdin or exited: nobody is listening any more, the write is dropped.
    if (!isExpected(error, 'pipeClosed')) throw error;
  });

  // Listened to before the spawn settles: a fast app may exit right after 'spawn'. Not execa's
  // promise: that one also waits for the output pipes, which a daemon the app left may hold.
  const exited = new Promise<ExitInfo>((resolve) => {
    subprocess.once('exit', (code, signal) => resolve({ code, signal }));
  });
  let spawned = false;
  await new Promise<void>((resolve, reject) => {
    subprocess.once('spawn', () => {
      spawned = true;
      resolve();
    });
    // ENOENT, EACCES, a bad cwd or E2BIG: no 'spawn', and execa's promise settles at once with
    // the failed result (reject: false). After a spawn it settles with the app's end instead.
    void subprocess.then((result) => {
      if (!spawned) reject(spawnError(options, result));
    });
  });

  const pid = subprocess.pid;
  if (pid === undefined) throw new Error(`spawned ${options.command} but the OS reported no pid`);
  return {
    pid,
    stdin,
    stdout: subprocess.stdout,
    stderr: subprocess.stderr,
    chunks: (from) => subprocess.iterable({ from, binary: true }),
    exited,
  };
}
