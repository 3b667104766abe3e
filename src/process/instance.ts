import { instanceScanner } from './scanner.js';
import { tapLines } from './output-tap.js';
import { signalMembers } from './signal.js';
import { spawnApp } from './spawn.js';
import type { TableSource } from './table.js';
import { waitUntilNoneLeft } from './wait-gone.js';

// One app instance: spawning (spawn.ts), output tapping (output-tap.ts), the process-table
// scan (scanner.ts) and the tree signaller (signal.ts), put together behind one handle.

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
  /** Where tapped output is copied to (with `onOutputLine`); default: this process's stdout and stderr. */
  copyTo?: { readonly stdout: NodeJS.WritableStream; readonly stderr: NodeJS.WritableStream };
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
  const onLine = spec.onOutputLine;
  const app = await spawnApp({ ...spec, pipeOutput: onLine !== undefined });
  const { pid, stdin } = app;
  if (onLine !== undefined) {
    const to = spec.copyTo ?? { stdout: process.stdout, stderr: process.stderr };
    tapLines(app.stdout, spec.stdoutToStderr === true ? to.stderr : to.stdout, (line) => onLine(line, 'stdout'));
    tapLines(app.stderr, to.stderr, (line) => onLine(line, 'stderr'));
  }

  let leaderExited = false;
  // Registered before the caller can see the instance, so it runs before any of its handlers.
  void app.exited.then(() => {
    leaderExited = true;
  });
  const scan = instanceScanner(pid, { tableSource: spec.tableSource, onEscaped: spec.onEscaped });
  const gone = app.exited.then(async (info) => {
    await waitUntilNoneLeft(scan);
    return info;
  });

  return {
    pid,
    exited: app.exited,
    gone,
    async signal(signal) {
      const members = await scan();
      return signalMembers(pid, members, signal, !leaderExited);
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
