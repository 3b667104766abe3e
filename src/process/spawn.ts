import type { Readable, Writable } from 'node:stream';
import { spawn, type ChildProcess } from 'node:child_process';
import { isExpected } from '../errors.js';
import type { ExitInfo, InstanceSpec } from './instance-types.js';
import { TAG_NAME } from './instance-tag.js';
import { localBinPath } from './local-bin.js';
import { spawnError } from './spawn-error.js';

export type SpawnOptions = Pick<InstanceSpec, 'command' | 'args' | 'cwd' | 'env' | 'fds' | 'stdoutToStderr'> & {
  /** Pipe the app's stdout/stderr to devreload (to tap them) instead of inheriting them. */
  pipeOutput: boolean;
  /** The instance's tag (instance-tag.ts), put in its environment. */
  tag: string;
};

/**
 * The environment an instance is spawned with: the caller's, node_modules/.bin on PATH, and
 * the instance's tag (which always wins: a devreload run inside an app tags its own instances).
 * A woken `--prestart` spare gets the same (src/prestart/wake.ts).
 */
export function instanceEnv(cwd: string, env: NodeJS.ProcessEnv, tag: string): NodeJS.ProcessEnv {
  return { ...localBinPath(cwd, env), [TAG_NAME]: tag };
}

export interface SpawnedApp {
  /** Leader = process group id = session id. */
  pid: number;
  /** The app's stdin; errors from a reader that went away are already handled. */
  stdin: Writable;
  /** Null unless `pipeOutput`. */
  stdout: Readable | null;
  stderr: Readable | null;
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
  let subprocess: ChildProcess;
  try {
    subprocess = spawnChild(options, stdout, output);
  } catch (error) {
    // Some failures (E2BIG, EINVAL) are thrown by spawn() itself instead of emitted.
    throw spawnError(options, error);
  }

  const stdin = subprocess.stdin;
  if (stdin === null) throw new Error('the app was given no stdin pipe');
  stdin.on('error', (error) => {
    // The app closed its stdin or exited: nobody is listening any more, the write is dropped.
    if (!isExpected(error, 'pipeClosed')) throw error;
  });

  // Listened to before the spawn settles: a fast app may exit right after 'spawn'.
  const exited = new Promise<ExitInfo>((resolve) => {
    subprocess.once('exit', (code, signal) => resolve({ code, signal }));
  });
  await new Promise<void>((resolve, reject) => {
    subprocess.once('spawn', () => resolve());
    // ENOENT, EACCES or a bad cwd: 'error' comes instead of 'spawn' (and no 'exit').
    subprocess.once('error', (error) => reject(spawnError(options, error)));
  });

  const pid = subprocess.pid;
  if (pid === undefined) throw new Error(`spawned ${options.command} but the OS reported no pid`);
  return { pid, stdin, stdout: subprocess.stdout, stderr: subprocess.stderr, exited };
}

function spawnChild(options: SpawnOptions, stdout: 'pipe' | 'inherit' | 2, output: 'pipe' | 'inherit'): ChildProcess {
  return spawn(options.command, [...options.args], {
    cwd: options.cwd,
    env: instanceEnv(options.cwd, options.env, options.tag),
    // Node's detached = setsid(): a signal aimed at the app's group (even one the app sends
    // itself) never reaches devreload, and the terminal's Ctrl-C reaches devreload alone.
    detached: true,
    // The app is outside the terminal's foreground group: reading the TTY would stop it
    // with SIGTTIN, so devreload feeds stdin through a pipe. Extra fds land at 3, 4, … without
    // close-on-exec: a shell passes them on, a Node process in between needs the socket preload.
    stdio: ['pipe', stdout, output, ...(options.fds ?? [])],
    shell: false,
  });
}
