import type { Readable, Writable } from 'node:stream';
import { execa } from 'execa';
import { isExpected } from '../errors.js';
import type { ExitInfo, InstanceSpec } from './instance.js';
import { spawnError } from './spawn-error.js';

export type SpawnOptions = Pick<InstanceSpec, 'command' | 'args' | 'cwd' | 'env' | 'fds' | 'stdoutToStderr'> & {
  /** Pipe the app's stdout/stderr to devreload (to tap them) instead of inheriting them. */
  pipeOutput: boolean;
};

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
  const stdout = options.stdoutToStderr === true && output === 'inherit' ? (2 as unknown as 3) : output;
  // execa's types admit only fds 3-9 here, but any descriptor reaches child_process.spawn as is.
  const fds = (options.fds ?? []) as readonly number[] as readonly 3[];
  const subprocess = execa(options.command, [...options.args], {
    cwd: options.cwd,
    env: options.env,
    extendEnv: false,
    // Node's detached = setsid(): a signal aimed at the app's group (even one the app sends
    // itself) never reaches devreload, and the terminal's Ctrl-C reaches devreload alone.
    detached: true,
    // The app is outside the terminal's foreground group: reading the TTY would stop it
    // with SIGTTIN, so devreload feeds stdin through a pipe. Extra fds land at 3, 4, … without
    // close-on-exec: a shell passes them on, a Node process in between needs the socket preload.
    stdio: ['pipe', stdout, output, ...fds],
    // Local binaries (node_modules/.bin) resolve as in an npm script.
    preferLocal: true,
    localDir: options.cwd,
    shell: false,
    buffer: false,
    reject: false,
    // devreload stops the app itself (group, escaped descendants, watchdog): execa must not.
    cleanup: false,
    forceKillAfterDelay: false,
  });
  const stdin = subprocess.stdin;
  if (stdin === null) throw new Error('execa gave the app no stdin pipe');
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
    // With reject:false a spawn failure (ENOENT, EACCES, bad cwd) resolves execa's promise
    // with a failed result and 'spawn' never fires; after a spawn this settles harmlessly.
    void subprocess.then((result) => {
      if (result.failed) reject(spawnError(options, result.cause));
    });
  });

  const pid = subprocess.pid;
  if (pid === undefined) throw new Error(`spawned ${options.command} but the OS reported no pid`);
  return { pid, stdin, stdout: subprocess.stdout, stderr: subprocess.stderr, exited };
}
