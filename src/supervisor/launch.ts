import path from 'node:path';
import type { Changes } from '../core/types.js';
import type { ResolvedOptions } from '../options/resolve.js';
import type { InstanceSpec } from '../process/instance.js';
import type { ReadyCheck } from '../socket/ready-target.js';

export interface LaunchContext {
  readonly options: ResolvedOptions;
  /** The app's environment before this instance's own variables (with the socket variables, if any). */
  readonly env: NodeJS.ProcessEnv;
  /** Listening sockets' fds, handed over as fd 3, 4, … */
  readonly fds: readonly number[] | undefined;
  readonly readyCheck: ReadyCheck | undefined;
  /** `--json`: devreload's stdout carries events, so the app's goes to stderr. */
  readonly json: boolean;
  /** Whether devreload's own stdout is a terminal. */
  readonly terminal: boolean;
  /** devreload's stdout and stderr, where tapped app output is copied. */
  readonly copyTo: NonNullable<InstanceSpec['copyTo']>;
}

/** What to start for one instance: the command, and the environment that tells it what changed. */
export function instanceSpec(
  context: LaunchContext,
  changes: Changes | null,
  hooks: Pick<InstanceSpec, 'onOutputLine' | 'onEscaped'>,
): InstanceSpec {
  const { options } = context;
  const env: NodeJS.ProcessEnv = { ...context.env, ...changedEnv(changes, options.cwd) };
  // Piped output is no TTY to the app: keep its colours when devreload's own output has them.
  if (hooks.onOutputLine !== undefined && context.terminal && env.NO_COLOR === undefined && env.FORCE_COLOR === undefined) env.FORCE_COLOR = '1';
  return {
    command: options.command,
    args: options.args,
    cwd: options.cwd,
    env,
    fds: context.fds,
    ...hooks,
    stdoutToStderr: context.json,
    copyTo: context.copyTo,
  };
}

/** DEVRELOAD_CHANGED: the changed paths, relative to the working directory, as a JSON array. */
export function changedEnv(changes: Changes | null, cwd: string): { DEVRELOAD_CHANGED: string } {
  return { DEVRELOAD_CHANGED: JSON.stringify((changes?.paths ?? []).map((p) => path.relative(cwd, p))) };
}

/** The app's command as the user gave it: `--exec`'s line (run by `sh -c`), or the command and its arguments. */
export function appCommand(options: Pick<ResolvedOptions, 'exec' | 'command' | 'args'>): string | readonly string[] {
  return options.exec ?? [options.command, ...options.args];
}
