import { accessSync, constants, statSync } from 'node:fs';
import type { Readable, Writable } from 'node:stream';
import { StringDecoder } from 'node:string_decoder';
import { execa } from 'execa';
import { DevreloadError } from '../errors.js';
import { signalMembers } from './signal.js';
import { readProcessTable, type ProcessEntry, type TableSource } from './table.js';
import { collectInstance, outsideGroup } from './tree.js';
import { waitUntilNoneLeft } from './wait-gone.js';

export interface InstanceSpec {
  command: string;
  args: readonly string[];
  cwd: string;
  /** Complete environment to give the app (the caller merges). */
  env: NodeJS.ProcessEnv;
  tableSource?: TableSource;
  /**
   * devreload's file descriptors the app receives as fd 3, 4, … in this order (the
   * systemd socket-activation layout; see src/socket/env.ts for the matching env).
   */
  fds?: readonly number[];
  /**
   * Called with every line the app prints (without the line break). Setting it pipes the
   * app's stdout/stderr through devreload, which copies every byte on to its own stdout/stderr
   * unchanged; the app then sees pipes instead of a TTY (colours need FORCE_COLOR).
   */
  onOutputLine?: (line: string, stream: 'stdout' | 'stderr') => void;
  /** Send the app's stdout to devreload's stderr, keeping devreload's stdout for itself (`--json`). */
  stdoutToStderr?: boolean;
  /**
   * A scan found a process that left the app's group (setsid): the watchdog is told, so it can
   * stop it even if its parent dies before devreload does.
   */
  onEscaped?: (pid: number, startTime: string | undefined) => void;
}

export interface ExitInfo {
  code: number | null;
  signal: NodeJS.Signals | null;
}

export interface Instance {
  /** Leader = process group id = session id. */
  readonly pid: number;
  /** The leader exited (from the child's 'exit' event, the fastest signal). */
  readonly exited: Promise<ExitInfo>;
  /** The leader exited AND no live process of the instance remains (zombies count as gone). */
  readonly gone: Promise<ExitInfo>;
  /**
   * Sends `signal` to the whole process group and to every escaped descendant (found by a
   * fresh scan, or remembered from an earlier one and still the same process).
   * ESRCH = already gone. Returns the pids signalled.
   */
  signal(signal: NodeJS.Signals): Promise<number[]>;
  /** To the app's stdin; dropped once the app closed it or exited. */
  write(data: string | Uint8Array): void;
  closeStdin(): void;
}

/**
 * Spawns the app in its own session and process group. Resolves once the OS has spawned
 * it; rejects with DevreloadError when the program is not found or not executable.
 */
export async function startInstance(spec: InstanceSpec): Promise<Instance> {
  const output = spec.onOutputLine === undefined ? 'inherit' : 'pipe';
  // fd 2 as the app's fd 1: the app writes straight to devreload's stderr (a TTY stays a TTY).
  const stdout = spec.stdoutToStderr === true && output === 'inherit' ? (2 as unknown as 3) : output;
  // execa's types admit only fds 3-9 here, but any descriptor reaches child_process.spawn as is.
  const fds = (spec.fds ?? []) as readonly number[] as readonly 3[];
  const subprocess = execa(spec.command, [...spec.args], {
    cwd: spec.cwd,
    env: spec.env,
    extendEnv: false,
    // Node's detached = setsid(): a signal aimed at the app's group (even one the app sends
    // itself) never reaches devreload, and the terminal's Ctrl-C reaches devreload alone.
    detached: true,
    // The app is outside the terminal's foreground group: reading the TTY would stop it
    // with SIGTTIN, so devreload feeds stdin through a pipe. Extra fds land at 3, 4, … without
    // close-on-exec: a shell passes them on, a Node process in between needs the socket preload.
    stdio: ['pipe', stdout, output, ...fds],
    preferLocal: true,
    localDir: spec.cwd,
    shell: false,
    buffer: false,
    reject: false,
    cleanup: false,
    forceKillAfterDelay: false,
  });
  const stdin = subprocess.stdin;
  if (stdin === null) throw new Error('execa gave the app no stdin pipe');
  // EPIPE/ECONNRESET once the app closed its stdin or exited: nobody is listening any more.
  stdin.on('error', () => {});
  const onLine = spec.onOutputLine;
  if (onLine !== undefined) {
    tapLines(subprocess.stdout, spec.stdoutToStderr === true ? process.stderr : process.stdout, (line) => onLine(line, 'stdout'));
    tapLines(subprocess.stderr, process.stderr, (line) => onLine(line, 'stderr'));
  }

  let leaderExit: ExitInfo | undefined;
  const exited = new Promise<ExitInfo>((resolve) => {
    subprocess.once('exit', (code, signal) => {
      leaderExit = { code, signal };
      resolve(leaderExit);
    });
  });
  await new Promise<void>((resolve, reject) => {
    subprocess.once('spawn', () => resolve());
    // With reject:false a spawn failure (ENOENT, EACCES, bad cwd) resolves execa's promise
    // with a failed result and 'spawn' never fires; after a spawn this settles harmlessly.
    void subprocess.then((result) => {
      if (result.failed) reject(spawnError(spec, result.code, result.cause));
    });
  });

  const pid = subprocess.pid;
  if (pid === undefined) throw new Error(`spawned ${spec.command} but the OS reported no pid`);
  const fullScan = scanner(pid, spec.tableSource, spec.onEscaped);
  // Without a process table (no /proc and no ps) the group is still reachable by its id:
  // escaped descendants are lost then, but the app itself can always be stopped.
  const scan = async (): Promise<ProcessEntry[]> => {
    try {
      return await fullScan();
    } catch {
      return groupExists(pid) ? [{ pid, ppid: process.pid, pgid: pid, sid: pid, zombie: false, startTime: undefined }] : [];
    }
  };
  const gone = exited.then(async (info) => {
    await waitUntilNoneLeft(scan);
    return info;
  });

  return {
    pid,
    exited,
    gone,
    async signal(signal) {
      const members = await scan();
      return signalMembers(pid, members, signal, leaderExit === undefined);
    },
    write(data) {
      if (stdin.destroyed || stdin.writableEnded) return;
      stdin.write(data, () => {});
    },
    closeStdin() {
      if (!stdin.destroyed && !stdin.writableEnded) stdin.end();
    },
  };
}

/** True while any process is in the group `pgid` (signal 0 only checks that it exists). */
function groupExists(pgid: number): boolean {
  try {
    process.kill(-pgid, 0);
    return true;
  } catch {
    return false;
  }
}

// A line longer than this (a progress bar without line breaks) is cut, not buffered forever.
const maxLineLength = 64 * 1024;

/** Copies `from` to `to` byte for byte and reports each line (split at \n, \r\n or \r). */
function tapLines(from: Readable | null, to: Writable, onLine: (line: string) => void): void {
  if (from === null) return;
  from.pipe(to, { end: false });
  const decoder = new StringDecoder('utf8');
  let partial = '';
  const emit = (text: string): void => {
    // A \r that ends a chunk may be half of a \r\n: it waits in `partial` for the next one.
    const lines = (partial + text).split(/\r\n|\n|\r(?!$)/);
    partial = lines.pop() ?? '';
    if (partial.length > maxLineLength) {
      lines.push(partial);
      partial = '';
    }
    for (const line of lines) onLine(line);
  };
  from.on('data', (chunk: Buffer) => emit(decoder.write(chunk)));
  from.once('end', () => {
    emit(decoder.end());
    if (partial !== '') onLine(partial.replace(/\r$/, ''));
    partial = '';
  });
}

/**
 * Scans the process table for the instance and remembers every process that left the
 * group: once its parent dies it is reparented to init and a ppid walk can't find it.
 */
function scanner(leader: number, source: TableSource | undefined, onEscaped: InstanceSpec['onEscaped']): () => Promise<ProcessEntry[]> {
  let known = new Map<number, string | undefined>();
  return async () => {
    const table = await readProcessTable(source);
    const members = collectInstance(table, leader, { known, exclude: [process.pid] });
    // Rebuilt, not merged: a remembered pid that vanished must not match a later reuse
    // (ps gives no startTime to tell them apart).
    const escaped = outsideGroup(members, leader);
    for (const entry of escaped) if (!known.has(entry.pid)) onEscaped?.(entry.pid, entry.startTime);
    known = new Map(escaped.map((entry) => [entry.pid, entry.startTime]));
    return members;
  };
}

function spawnError(spec: InstanceSpec, code: string | undefined, cause: unknown): Error {
  if (code === 'ENOENT' && !isDirectory(spec.cwd)) {
    return new DevreloadError(`working directory not found: ${spec.cwd} (create it or run devreload from another directory)`, { cause });
  }
  if (code === 'ENOENT') {
    return new DevreloadError(
      `command not found: ${spec.command} (install it, check the spelling and PATH; for a script, check its #! interpreter)`,
      // 127 and 126 are what a shell reports for the same failures.
      { cause, exitCode: 127 },
    );
  }
  // Node reports a working directory it may not enter as EACCES on the command.
  if (code === 'EACCES' && !canEnter(spec.cwd)) {
    return new DevreloadError(`working directory not accessible: ${spec.cwd} (permission denied; check its permissions)`, { cause });
  }
  if (code === 'EACCES') {
    return new DevreloadError(
      `command is not executable: ${spec.command} (make it executable with chmod +x, or run it through its interpreter)`,
      { cause, exitCode: 126 },
    );
  }
  return new Error(`could not start ${spec.command}: ${code ?? 'unknown error'}`, { cause });
}

function canEnter(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

function isDirectory(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
}
