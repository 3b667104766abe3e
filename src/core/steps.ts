import { sourceCount } from './changes.js';
import { log, to } from './effects.js';
import { exitCodeFor } from './exit-codes.js';
import type { Crash, Effect, MachineConfig, Pending, Shutdown, Signal, StopReason, Transition, Trigger } from './types.js';

/** Steps more than one state takes: beginning a stop, spawning for a restart, the quiet window. */

export const SIGKILL: Signal = 'SIGKILL';
export const SIGTERM: Signal = 'SIGTERM';

interface StopFields {
  readonly crashed?: Crash;
  readonly pending?: Pending;
  readonly shutdown?: Shutdown;
}

interface StopHow {
  /** Default: the configured stop signal. */
  readonly signal?: Signal;
  /** Announce the stop (a `stopping` log event and public `stop` event) with this reason. */
  readonly reason?: StopReason;
  /** Stopping what an app that exited left behind: announced by the adapter, only if there was something. */
  readonly leftovers?: boolean;
  /** Effects that come before the stop's own, and after them. */
  readonly before?: readonly Effect[];
  readonly after?: readonly Effect[];
}

/**
 * The one way a stop begins: the signal now, SIGTERM for what is left once the leader exited
 * (see terminateRest), SIGKILL when the kill timer fires, `gone` ends it.
 */
export function beginStop(pid: number, fields: StopFields, config: MachineConfig, how: StopHow): Transition {
  const signal = how.signal ?? config.stopSignal;
  const announce: Effect[] = how.reason === undefined ? [] : [log({ kind: 'stopping', pid, signal, reason: how.reason })];
  // Leftovers: the leader exited before the stop began; there is no exit to follow up on.
  const sent = how.leftovers === true ? null : signal;
  return to(
    { tag: 'stopping', pid, escalated: false, sent, crashed: fields.crashed ?? null, pending: fields.pending ?? null, shutdown: fields.shutdown ?? null },
    ...(how.before ?? []),
    ...announce,
    how.leftovers === true ? { type: 'signal', signal, ifReached: { kind: 'stopping', pid, signal, reason: 'leftovers' } } : { type: 'signal', signal },
    { type: 'setTimer', timer: 'kill', ms: config.killTimeout },
    { type: 'setTimer', timer: 'notice', ms: config.stopNotice },
    ...(how.after ?? []),
  );
}

/**
 * A start for changes just became owed: `prepare` lets the launcher boot what needs no user code
 * while the old instance stops and the quiet window runs (the window follows the last change,
 * the runtime's boot no longer has to). Emitted once per owed start; `spawn` or the run's end
 * follows it.
 */
export function prepareStart(config: MachineConfig): Effect[] {
  return config.prepare && !config.build ? [{ type: 'prepare' }] : [];
}

/** Spawns the app for the restart `pending` asked for. */
export function spawnFor(pending: Pending, effects: readonly Effect[]): Transition {
  return to(
    // A restart asked for by a change is a fresh attempt: the crash streak starts over.
    { tag: 'starting', pending: null, shutdown: null, restart: { from: pending.since, changes: pending.changes }, streak: 0 },
    ...effects,
    { type: 'spawn', changes: pending.changes },
  );
}

/**
 * The quiet window for this restart. A burst (files written by a branch switch, a build, or a
 * script with one process per write) is written by processes that a busy machine can pause for
 * longer than the window an editor's save needs; from `burstThreshold` distinct sources on (2 by
 * default: a second file inside the window is the sign; a compiler's `a.js` + `a.js.map` are one
 * source) the window grows to `burstDelay`, so one burst stays one restart while a single save
 * keeps its short window.
 */
export function quietTimer(pending: Pending, config: MachineConfig): Effect {
  const burst = pending.burst === true || sourceCount(pending.changes) >= config.burstThreshold;
  const ms = burst ? Math.max(config.delay, config.burstDelay) : config.delay;
  return { type: 'setTimer', timer: 'quiet', ms };
}

/**
 * The leader of an instance (or build step) being stopped with `sent` exited: SIGTERM for what it
 * left, announced (`terminating`) if that reached anything. The leader's exit says the app did
 * what it does on that signal; what is still there will not answer it: a non-interactive shell's
 * `&` jobs ignore SIGINT and SIGQUIT (POSIX), so after Ctrl-C they held the prompt until SIGKILL
 * at the kill timeout. Nothing after SIGTERM (they had it, and to many programs a second SIGTERM
 * means "quit now") or SIGKILL, and nothing once escalated: SIGKILL is on its way.
 */
export function terminateRest(pid: number, sent: Signal | null, escalated: boolean, target: 'app' | 'build'): Effect[] {
  if (sent === null || escalated || sent === SIGTERM || sent === SIGKILL) return [];
  return [{ type: 'signal', signal: SIGTERM, target, ifReached: { kind: 'terminating', pid, after: sent, target } }];
}

/** SIGINT and SIGTERM are forwarded as they came; a closed terminal or a parent gone stops the app with the stop signal. */
export function shutdownSignal(shutdown: Shutdown, config: MachineConfig): Signal {
  return shutdown.trigger === 'SIGINT' || shutdown.trigger === 'SIGTERM' ? shutdown.trigger : config.stopSignal;
}

export function newShutdown(trigger: Trigger, at: number): Shutdown {
  return { trigger, since: at, exitCode: exitCodeFor(trigger), echoed: false };
}

/**
 * What a shutdown request means when devreload is already shutting down:
 * - `ignore`: stop() again (the API's stop is idempotent), or the parent found gone: the Ctrl-C
 *   or SIGHUP devreload is stopping for ended its parent too (npm, a shell), which is no reason to
 *   hurry the app;
 * - `echo`: the same request delivered twice. `npm run` / `pnpm run` whose script shell execs
 *   the command (bash) forward the terminal's SIGINT to devreload, which also got it from the
 *   terminal: 0.3–1.1 ms apart idle, 70 ms and more on a loaded machine (npm forwards when its
 *   own loop gets to it), or merged into one by the kernel. The window is the config's: wide
 *   (tuning.ts) when devreload's parent is known to forward, 50 ms otherwise. Only the first
 *   repeat of the same signal within it is taken as that echo, so a second press still forces,
 *   by its own forwarded copy if need be. Likewise a signal right after the parent was found
 *   gone: the same Ctrl-C ended the parent first;
 * - `force`: anything else: a second Ctrl-C (one echo already taken, or past the window), a
 *   Ctrl-C after SIGTERM or SIGHUP (never an echo of them).
 */
export function repeatedShutdown(shutdown: Shutdown, trigger: Trigger, at: number, config: MachineConfig): 'ignore' | 'echo' | 'force' {
  if (trigger === 'api' || trigger === 'parent') return 'ignore';
  if (trigger === 'SIGINT' && shutdown.trigger !== 'SIGINT' && shutdown.trigger !== 'parent') return 'force';
  if (!shutdown.echoed && at - shutdown.since < config.duplicateSignalWindow) return 'echo';
  return 'force';
}
