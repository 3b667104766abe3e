import { awaitQuiet, onBuilding, serving, startBuild } from './build-phase.js';
import { addChange } from './changes.js';
import { log, same, to } from './effects.js';
import { appExitCode, backoffDelay } from './exit-codes.js';
import { beginStop, newShutdown, prepareStart, quietTimer, repeatedShutdown, shutdownSignal, SIGKILL, spawnFor, terminateRest } from './steps.js';
import type { Effect, Input, MachineConfig, OnExit, Pending, Shutdown, State, Transition, Trigger } from './types.js';


/**
 * The restart state machine: (state, input) → (state, effects). No I/O, no timers, no clock:
 * time arrives inside inputs, and everything that touches the OS leaves as an effect.
 *
 * Invariants (checked by the unit tests for every transition):
 * - never two instances: `spawn` is only emitted from a state with no instance;
 * - at most one restart is owed at a time (`pending`), however many changes arrive;
 * - a stop always ends in `gone` before anything else starts.
 */
export const initialState: State = { tag: 'idle' };

export function transition(state: State, input: Input, config: MachineConfig): Transition {
  if (state.tag === 'building') return onBuilding(state, input, config);
  switch (input.type) {
    case 'start':
      if (state.tag !== 'idle') return same(state);
      if (config.postpone) return to({ tag: 'waiting' }, log({ kind: 'postponed' }));
      if (config.build) return startBuild(null, null, input.at, input.at, true, [log({ kind: 'starting' })]);
      return to({ tag: 'starting', pending: null, shutdown: null, restart: null, streak: 0 }, log({ kind: 'starting' }), { type: 'spawn', changes: null });

    case 'buildSpawned':
    case 'buildExited':
    case 'buildDone':
    case 'buildSpawnFailed':
      // Only the building state has a build.
      return same(state);

    case 'change':
    case 'restart':
      return onChange(state, input.type === 'change' ? input.path : null, input.at, config);

    case 'spawned':
      return onSpawned(state, input.pid, input.at, config);

    case 'spawnFailed': {
      if (state.tag !== 'starting') return same(state);
      // The first start failing is almost always a typo in the command: exit, as a shell would.
      // A later failure (e.g. a binary being rebuilt) is reported and devreload keeps watching.
      const fatal = state.restart === null || state.shutdown !== null;
      const failed = log({ kind: 'spawnFailed', message: input.message, fatal });
      const code = state.shutdown?.exitCode ?? input.exitCode;
      if (fatal || config.onExit === 'quit') return to({ tag: 'done', exitCode: code }, failed, { type: 'exit', code, cause: state.shutdown?.trigger ?? 'spawnError' });
      if (state.pending !== null) return settle(state.pending, input.at, config, [failed]);
      if (config.onExit === 'restart') return backoff(state.streak + 1, config, [failed]);
      return to({ tag: 'waiting' }, failed);
    }

    case 'exited':
      if (state.tag === 'running') {
        // The leader exited on its own; whatever it left in its group must go too before
        // anything else happens (a worker holding the port is exactly the orphan we prevent).
        // A quick exit extends the streak that --on-exit restart backs off on; a stable run resets it.
        const streak = input.at - state.since < config.stableAfter ? state.streak + 1 : 1;
        return beginStop(state.pid, { crashed: { exit: input.exit, streak } }, config, { leftovers: true });
      }
      // While stopping, the leader's exit is expected; `gone` (every process) is what counts.
      // What it left did not go with it: SIGTERM for it, unless that is what it already had.
      if (state.tag === 'stopping' && state.sent !== null) return to({ ...state, sent: null }, ...terminateRest(state.pid, state.sent, state.escalated, 'app'));
      return same(state);

    case 'gone':
      return onGone(state, input.at, config);

    case 'timer':
      if (input.timer === 'quiet') return onQuiet(state, input.at, config);
      if (input.timer === 'kill') return onKillTimeout(state, config);
      if (input.timer === 'buildKill') return same(state);
      if (input.timer === 'notice') return onNotice(state, config);
      return onBackoff(state, input.at);

    case 'shutdown':
      return onShutdown(state, input.trigger, input.at, config);
  }
}

function onChange(state: State, path: string | null, at: number, config: MachineConfig): Transition {
  switch (state.tag) {
    case 'idle':
    case 'done':
    // Handled by onBuilding before the switch.
    case 'building':
      return same(state);
    case 'starting': {
      if (state.shutdown !== null) return same(state);
      // The instance being spawned is already stale: queue exactly one restart behind it. If a
      // change started it, the writer is still at work: take the burst window.
      const pending = addChange(state.pending, path, at, config, state.restart !== null && state.restart.changes.count > 0);
      return to({ ...state, pending }, quietTimer(pending, config), ...(state.pending === null ? prepareStart(config) : []));
    }
    case 'running': {
      const pending = addChange(null, path, at, config, state.restarted && at - state.since < config.burstDelay);
      // --build: the instance keeps serving until a build of this change succeeds.
      if (config.build) return awaitQuiet(serving(state.pid, state.since, state.streak), pending, [], config);
      // Stop at once: stopping takes time anyway, and it overlaps the quiet window.
      return beginStop(state.pid, { pending }, config, {
        reason: 'restart',
        before: [log({ kind: 'change', changes: pending.changes })],
        after: [quietTimer(pending, config), ...prepareStart(config)],
      });
    }
    case 'stopping': {
      if (state.shutdown !== null) return same(state);
      const pending = addChange(state.pending, path, at, config);
      const announce = state.pending === null ? [log({ kind: 'change', changes: pending.changes })] : [];
      return to({ ...state, pending }, ...announce, quietTimer(pending, config), ...(state.pending === null ? prepareStart(config) : []));
    }
    case 'settling': {
      const pending = addChange(state.pending, path, at, config);
      return to({ ...state, pending }, quietTimer(pending, config));
    }
    case 'waiting':
    case 'backoff': {
      const pending = addChange(null, path, at, config);
      const cancel: Effect[] = state.tag === 'backoff' ? [{ type: 'clearTimer', timer: 'backoff' }] : [];
      if (config.build) return awaitQuiet(null, pending, cancel, config);
      return to({ tag: 'settling', pending }, ...cancel, log({ kind: 'change', changes: pending.changes }), quietTimer(pending, config), ...prepareStart(config));
    }
  }
}

function onSpawned(state: State, pid: number, at: number, config: MachineConfig): Transition {
  if (state.tag !== 'starting') return same(state);
  const restart = state.restart;
  const spawned = log({ kind: 'spawned', pid, restartMs: restart === null ? null : at - restart.from, changes: restart?.changes ?? null });
  if (state.shutdown !== null) {
    // The shutdown was announced when it arrived; this instance only has to go.
    return beginStop(pid, { shutdown: state.shutdown }, config, { signal: shutdownSignal(state.shutdown, config), before: [spawned] });
  }
  if (state.pending !== null) {
    // A change arrived while spawning: this instance is stale, replace it straight away.
    return beginStop(pid, { pending: state.pending }, config, {
      reason: 'restart',
      before: [spawned, log({ kind: 'change', changes: state.pending.changes })],
    });
  }
  return to({ tag: 'running', pid, since: at, streak: state.streak, restarted: restart !== null && restart.changes.count > 0 }, spawned);
}

function onGone(state: State, at: number, config: MachineConfig): Transition {
  if (state.tag !== 'stopping') return same(state);
  const clearKill: Effect = { type: 'clearTimer', timer: 'kill' };
  const clearNotice: Effect = { type: 'clearTimer', timer: 'notice' };
  if (state.shutdown !== null) {
    return to({ tag: 'done', exitCode: state.shutdown.exitCode }, clearKill, clearNotice, { type: 'clearTimer', timer: 'quiet' }, { type: 'exit', code: state.shutdown.exitCode, cause: state.shutdown.trigger });
  }
  const crash = state.crashed;
  if (crash === null) {
    return state.pending === null ? to({ tag: 'waiting' }, clearKill, clearNotice) : settle(state.pending, at, config, [clearKill, clearNotice]);
  }
  const exited = (next: OnExit | 'change', retryInMs: number | null) =>
    log({ kind: 'exited', exit: crash.exit, next, streak: crash.streak, retryInMs });
  if (config.onExit === 'quit') {
    const code = appExitCode(crash.exit);
    return to({ tag: 'done', exitCode: code }, clearKill, clearNotice, { type: 'clearTimer', timer: 'quiet' }, exited('quit', null), { type: 'exit', code, cause: 'appExit' });
  }
  if (state.pending !== null) return settle(state.pending, at, config, [clearKill, clearNotice, exited('change', null)]);
  if (config.onExit === 'restart') return backoff(crash.streak, config, [clearKill, clearNotice, exited('restart', backoffDelay(crash.streak, config))]);
  return to({ tag: 'waiting' }, clearKill, clearNotice, exited('wait', null));
}

/** --on-exit restart: wait before bringing the app back, longer for every quick exit in a row. */
function backoff(streak: number, config: MachineConfig, effects: Effect[]): Transition {
  return to({ tag: 'backoff', streak }, ...effects, { type: 'setTimer', timer: 'backoff', ms: backoffDelay(streak, config) });
}


/** The old instance is gone: start now if the quiet window has passed, else wait for it. */
function settle(pending: Pending, at: number, config: MachineConfig, effects: Effect[]): Transition {
  if (pending.quiet) return startFor(pending, at, config, effects);
  return to({ tag: 'settling', pending }, ...effects);
}

/** A start for changes: with --build, a build first (unless these changes are what was just built). */
function startFor(pending: Pending, at: number, config: MachineConfig, effects: Effect[]): Transition {
  if (config.build && pending.built !== true) return startBuild(null, pending.changes, pending.since, at, false, effects);
  return spawnFor(pending, effects);
}

function onQuiet(state: State, at: number, config: MachineConfig): Transition {
  switch (state.tag) {
    case 'stopping':
      return state.pending === null ? same(state) : to({ ...state, pending: { ...state.pending, quiet: true } });
    case 'settling':
      return startFor({ ...state.pending, quiet: true }, at, config, []);
    case 'starting':
      return state.pending === null ? same(state) : to({ ...state, pending: { ...state.pending, quiet: true } });
    default:
      return same(state);
  }
}

function onBackoff(state: State, at: number): Transition {
  if (state.tag !== 'backoff') return same(state);
  return to(
    { tag: 'starting', pending: null, shutdown: null, restart: { from: at, changes: { paths: [], count: 0 } }, streak: state.streak },
    { type: 'spawn', changes: null },
  );
}

function onKillTimeout(state: State, config: MachineConfig): Transition {
  if (state.tag !== 'stopping') return same(state);
  // After SIGKILL, keep re-sending it each period: it also reaches anything forked in between.
  const effects: Effect[] = state.escalated ? [] : [log({ kind: 'escalating', pid: state.pid, afterMs: config.killTimeout })];
  return to({ ...state, escalated: true }, ...effects, { type: 'signal', signal: SIGKILL }, { type: 'setTimer', timer: 'kill', ms: config.killTimeout });
}

/** A stop still under way a while after it began: one line on what it waits for. */
function onNotice(state: State, config: MachineConfig): Transition {
  if (state.tag !== 'stopping') return same(state);
  return to(state, {
    type: 'describeStop',
    leaders: [state.pid],
    killInMs: state.escalated ? null : Math.max(0, config.killTimeout - config.stopNotice),
    canForce: state.shutdown !== null && !state.escalated,
  });
}

function onShutdown(state: State, trigger: Trigger, at: number, config: MachineConfig): Transition {
  const shutdown: Shutdown = newShutdown(trigger, at);
  switch (state.tag) {
    case 'done':
    // Handled by onBuilding before the switch.
    case 'building':
      return same(state);
    case 'idle':
    case 'waiting':
    case 'settling':
    case 'backoff':
      return to(
        { tag: 'done', exitCode: shutdown.exitCode },
        log({ kind: 'shutdown', trigger }),
        { type: 'clearTimer', timer: 'quiet' },
        { type: 'clearTimer', timer: 'backoff' },
        { type: 'exit', code: shutdown.exitCode, cause: trigger },
      );
    case 'starting':
      if (state.shutdown !== null) return same(state);
      return to({ ...state, pending: null, shutdown }, log({ kind: 'shutdown', trigger }));
    case 'running':
      return beginStop(state.pid, { shutdown }, config, {
        signal: shutdownSignal(shutdown, config),
        reason: 'shutdown',
        before: [log({ kind: 'shutdown', trigger })],
      });
    case 'stopping': {
      if (state.shutdown === null) {
        // Stopping for a restart: turn it into a shutdown. No second signal: many apps treat a
        // repeated signal as "quit now", and the stop under way already has its deadline.
        return to({ ...state, pending: null, shutdown }, log({ kind: 'shutdown', trigger }), { type: 'clearTimer', timer: 'quiet' });
      }
      const repeat = repeatedShutdown(state.shutdown, trigger, at, config);
      if (repeat === 'echo') return to({ ...state, shutdown: { ...state.shutdown, echoed: true } });
      if (repeat === 'ignore' || state.escalated) return same(state);
      return to({ ...state, escalated: true }, log({ kind: 'forcing', pid: state.pid }), { type: 'signal', signal: SIGKILL }, { type: 'setTimer', timer: 'kill', ms: config.killTimeout });
    }
  }
}
