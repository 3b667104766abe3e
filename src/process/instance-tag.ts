import { randomBytes } from 'node:crypto';

/**
 * The instance tag (issue 14): every instance (app, build step, `--prestart` spare) is spawned
 * with `DEVRELOAD_INSTANCE=<run secret>.<n>` in its environment. Every descendant that keeps
 * its environment inherits it, so a daemon that double-forked away from the group, the session
 * and the ppid tree is still found at a stop (an exact match of the whole entry) and by the
 * watchdog (any `<run secret>.<n>` of this run).
 *
 * What no table shows: a descendant that replaced its environment (`env -i`, an exec with an
 * environment of its own) *and* left the tree (double fork) — the documented limit; a process
 * of another user (sudo, setuid): its environment is unreadable, and it could not be
 * signalled anyway. Both sources read the environment a process was started with (what
 * execve got), not later setenv() calls: a tag is neither gained nor lost by those.
 * The ps path (macOS, or DEVRELOAD_PROCESS_TABLE=ps) sees less: procps `ps e` reads the same
 * /proc/<pid>/environ; macOS `ps -E` shows only our own processes' environments, read from
 * their argument area, so a process that rewrote that area (setproctitle) hides its tag;
 * busybox ps shows no environments at all (tags go unseen there, groups and the tree do not).
 * ps joins args and environment with spaces: the tag is matched as one whole word. ps gives
 * no start times, so every process's environment is parsed, not only the young ones.
 */
export const TAG_NAME = 'DEVRELOAD_INSTANCE';

/** What the watchdog reads the run secret from (its environment, not its world-readable argv). */
export const RUN_SECRET_ENV = 'DEVRELOAD_WATCHDOG_RUN';

// One per devreload process, made on first use: 128 random bits nobody can guess, in hex so
// that shells, grep -E and awk take it as it is.
let secret: string | undefined;
let count = 0;

export function runSecret(): string {
  secret ??= randomBytes(16).toString('hex');
  return secret;
}

/** A new instance's tag: this run's secret and a number no other instance of the run has. */
export function newInstanceTag(): string {
  count += 1;
  return `${runSecret()}.${count}`;
}

/** The whole environment entry a tagged process carries (what is matched, exactly). */
export function tagEntry(tag: string): string {
  return `${TAG_NAME}=${tag}`;
}
