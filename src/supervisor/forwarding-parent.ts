import { readFileSync } from 'node:fs';
import { environHasEntry } from '../process/environ.js';

/**
 * Whether devreload's parent passes the terminal's Ctrl-C on to it: then one press arrives twice,
 * the second copy as late as the parent gets to run (core/steps.ts takes it as the echo).
 *
 * `npm run` and `pnpm run` forward every SIGINT and SIGTERM they get to their child, and they get
 * the terminal's Ctrl-C themselves, being in its foreground group. Their child is devreload when
 * the script shell execs the script's command (bash does; dash, Debian's /bin/sh, does not, and
 * then only the shell hears from them). The package manager is known by its user agent, and the
 * parent as the one who set the script's environment: a shell between them has the very same
 * `npm_lifecycle_script`, the package manager has none (or its own, run by an outer script).
 * yarn and bun are left out: their forwarding was not measured.
 *
 * `parentEnviron`: the parent's environment block (NUL-separated, as /proc/<pid>/environ), or
 * undefined where it cannot be read (no /proc on macOS): the package manager alone decides then.
 */
export function parentForwardsSignals(env: NodeJS.ProcessEnv, parentEnviron: Buffer | undefined): boolean {
  if (!/^p?npm\//.test(env.npm_config_user_agent ?? '')) return false;
  const script = env.npm_lifecycle_script;
  if (script === undefined || parentEnviron === undefined) return true;
  return !environHasEntry(parentEnviron, `npm_lifecycle_script=${script}`);
}

/** parentForwardsSignals() for this process, its parent read from /proc. */
export function signalsForwardedByParent(): boolean {
  let parentEnviron: Buffer | undefined;
  try {
    parentEnviron = readFileSync(`/proc/${process.ppid}/environ`);
  } catch {
    // No /proc (macOS), or a parent that is gone or not ours to read.
  }
  return parentForwardsSignals(process.env, parentEnviron);
}
