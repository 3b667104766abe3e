import type { TableSource } from './table.js';

/** What an app instance is, as the rest of devreload sees it (spawn.ts and instance.ts build one). */

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
  /**
   * `<run secret>.<n>`, in the environment of the instance and of every descendant that kept
   * it as `DEVRELOAD_INSTANCE` (instance-tag.ts). Always set by startInstance (optional only
   * so that test fakes need not make one up).
   */
  readonly tag?: string;
  /** The leader exited (from the child's 'exit' event, the fastest signal). */
  readonly exited: Promise<ExitInfo>;
  /** The leader exited AND no live process of the instance remains (zombies count as gone). */
  readonly gone: Promise<ExitInfo>;
  /**
   * Sends `signal` to the whole process group and to every escaped descendant (found by a
   * fresh scan, or remembered from an earlier one and still the same process, or carrying the
   * instance's tag).
   * ESRCH = already gone. Returns the pids signalled.
   */
  signal(signal: NodeJS.Signals): Promise<number[]>;
  /** To the app's stdin; dropped once the app closed it or exited. */
  write(data: string | Uint8Array): void;
  closeStdin(): void;
}
