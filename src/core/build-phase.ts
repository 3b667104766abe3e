import { addChange } from './changes.js';
import { log, same, to } from './effects.js';
import { appExitCode } from './exit-codes.js';
import { beginStop, newShutdown, quietTimer, repeatedShutdown, shutdownSignal, SIGKILL, spawnFor, terminateRest } from './steps.js';
import type { Changes, Effect, ExitInfo, Input, MachineConfig, Pending, Serving, Shutdown, Signal, State, TimerName, Transition, Trigger } from './types.js';

/**
 * The `building` state of the restart machine (`--build`). The build runs while the last good
 * instance keeps serving; only a successful build replaces it, through the ordinary stop. A
 * change during a build cancels it (the ordinary stop sequence, on the build's group) and a new
 * build starts after the quiet window. Never two builds, and never a build and a start racing:
 * a start follows only a build whose every process is gone.
 */
type Building = Extract<State, { tag: 'building' }>;

/** Starts a build now. `app` keeps serving meanwhile; `first` is the build at launch. */
export function startBuild(app: Serving | null, changes: Changes | null, from: number, at: number, first: boolean, effects: readonly Effect[]): Transition {
  return to(
    { tag: 'building', app, build: { pid: null, since: at, from, changes, cancelled: false, escalated: false, sent: null }, pending: null, shutdown: null, first },
    ...effects,
    log({ kind: 'building', changes }),
    { type: 'build', changes },
  );
}

/** Changes arrived: the build starts once the quiet window passes; `app` keeps serving until a build succeeds. */
export function awaitQuiet(app: Serving | null, pending: Pending, effects: readonly Effect[], config: MachineConfig): Transition {
  return to({ tag: 'building', app, build: null, pending, shutdown: null, first: false }, ...effects, log({ kind: 'change', changes: pending.changes }), quietTimer(pending, config));
}

export function serving(pid: number, since: number, streak: number): Serving {
  return { pid, since, streak, exiting: false, escalated: false, sent: null };
}

export function onBuilding(state: Building, input: Input, config: MachineConfig): Transition {
  switch (input.type) {
    case 'change':
    case 'restart':
      return onChange(state, input.type === 'change' ? input.path : null, input.at, config);
    case 'timer':
      return onTimer(state, input.timer, input.at, config);
    case 'buildSpawned': {
      if (state.build === null || state.build.pid !== null) return same(state);
      const build = { ...state.build, pid: input.pid };
      // Cancelled while it was being spawned: the stop could not be sent before there was a pid.
      if (!build.cancelled) return to({ ...state, build });
      const signal = state.shutdown === null ? config.stopSignal : shutdownSignal(state.shutdown, config);
      return to({ ...state, build: { ...build, sent: signal } }, ...stopBuild(signal, config));
    }
    case 'buildExited': {
      // The cancelled step's leader exited: SIGTERM for what it left, as for the app (steps.ts).
      const build = state.build;
      if (build === null || build.pid === null || build.sent === null) return same(state);
      return to({ ...state, build: { ...build, sent: null } }, ...terminateRest(build.pid, build.sent, build.escalated, 'build'));
    }
    case 'buildSpawnFailed':
      // As a shell reports a command it cannot run.
      return finish(state, { code: 127, signal: null }, input.message, input.at, config);
    case 'buildDone':
      return finish(state, input.exit, null, input.at, config);
    case 'exited': {
      const app = state.app;
      if (app === null) return same(state);
      // Stopped for a shutdown, and its leader now exited: SIGTERM for what it left (steps.ts).
      if (app.exiting) return app.sent === null ? same(state) : to({ ...state, app: { ...app, sent: null } }, ...terminateRest(app.pid, app.sent, app.escalated, 'app'));
      // The serving instance exited on its own while a build runs: what it left must go (as
      // anywhere else); the next instance comes from the build.
      return to(
        { ...state, app: { ...app, exiting: true } },
        log({ kind: 'exited', exit: input.exit, next: 'change', streak: app.streak, retryInMs: null }),
        { type: 'signal', signal: config.stopSignal, ifReached: { kind: 'stopping', pid: app.pid, signal: config.stopSignal, reason: 'leftovers' } },
        { type: 'setTimer', timer: 'kill', ms: config.killTimeout },
      );
    }
    case 'gone':
      return settled({ ...state, app: null }, [{ type: 'clearTimer', timer: 'kill' }]);
    case 'shutdown':
      return onShutdown(state, input.trigger, input.at, config);
    case 'start':
    case 'spawned':
    case 'spawnFailed':
      return same(state);
  }
}

function onChange(state: Building, path: string | null, at: number, config: MachineConfig): Transition {
  if (state.shutdown !== null) return same(state);
  const pending = addChange(state.pending, path, at, config);
  const effects: Effect[] = state.pending === null ? [log({ kind: 'change', changes: pending.changes })] : [];
  const build = state.build;
  if (build === null || build.cancelled) return to({ ...state, pending }, ...effects, quietTimer(pending, config));
  // The build under way no longer builds what is on disk: stop it, build again after the quiet window.
  const stop = build.pid === null ? [] : stopBuild(config.stopSignal, config);
  return to(
    { ...state, pending, build: { ...build, cancelled: true, sent: build.pid === null ? null : config.stopSignal } },
    ...effects,
    log({ kind: 'buildCancelled', pid: build.pid, reason: 'change' }),
    ...stop,
    quietTimer(pending, config),
  );
}

function onTimer(state: Building, timer: TimerName, at: number, config: MachineConfig): Transition {
  switch (timer) {
    case 'quiet': {
      if (state.pending === null) return same(state);
      if (state.build !== null) return to({ ...state, pending: { ...state.pending, quiet: true } });
      return startBuild(state.app, state.pending.changes, state.pending.since, at, false, []);
    }
    case 'kill': {
      const app = state.app;
      if (app === null || !app.exiting) return same(state);
      const announce: Effect[] = app.escalated ? [] : [log({ kind: 'escalating', pid: app.pid, afterMs: config.killTimeout })];
      return to({ ...state, app: { ...app, escalated: true } }, ...announce, { type: 'signal', signal: SIGKILL }, { type: 'setTimer', timer: 'kill', ms: config.killTimeout });
    }
    case 'buildKill': {
      const build = state.build;
      if (build === null || build.pid === null || !build.cancelled) return same(state);
      // After SIGKILL, keep re-sending it each period: it also reaches anything forked in between.
      return to({ ...state, build: { ...build, escalated: true } }, ...stopBuild(SIGKILL, config));
    }
    case 'notice': {
      // Shutting down, and a second later the app or the build is still there: say so, once.
      if (state.shutdown === null) return same(state);
      const app = state.app?.exiting === true ? state.app : null;
      const build = state.build?.pid != null ? state.build : null;
      const leaders = [app?.pid, build?.pid].filter((pid): pid is number => pid != null);
      if (leaders.length === 0) return same(state);
      const escalated = (app?.escalated ?? false) || (build?.escalated ?? false);
      return to(state, { type: 'describeStop', leaders, killInMs: escalated ? null : Math.max(0, config.killTimeout - config.stopNotice), canForce: !escalated });
    }
    case 'backoff':
      return same(state);
  }
}

function stopBuild(signal: Signal, config: MachineConfig): Effect[] {
  return [
    { type: 'signal', signal, target: 'build' },
    { type: 'setTimer', timer: 'buildKill', ms: config.killTimeout },
  ];
}

/** Every process of the build is gone (or it never started): what its result means now. */
function finish(state: Building, exit: ExitInfo, message: string | null, at: number, config: MachineConfig): Transition {
  const build = state.build;
  if (build === null) return same(state);
  const effects: Effect[] = [{ type: 'clearTimer', timer: 'buildKill' }];
  const app = state.app;
  if (state.shutdown !== null) return settled({ ...state, build: null }, effects);
  if (build.cancelled) {
    const pending = state.pending;
    if (pending === null) return to({ ...state, build: null }, ...effects);
    if (!pending.quiet) return to({ ...state, build: null }, ...effects);
    return startBuild(app, pending.changes, pending.since, at, false, effects);
  }
  const ms = at - build.since;
  const changes = build.changes ?? { paths: [], count: 0 };
  if (exit.code === 0) {
    effects.push(log({ kind: 'built', ms }));
    const built: Pending = { changes, since: build.from, quiet: true, built: true };
    if (app === null) {
      // The build at launch: this is the app's first start, not a restart.
      if (state.first) return to({ tag: 'starting', pending: null, shutdown: null, restart: null, streak: 0 }, ...effects, { type: 'spawn', changes: null });
      return spawnFor(built, effects);
    }
    // Its leftovers are already being stopped: the new instance follows once they are gone.
    if (app.exiting) return to({ tag: 'stopping', pid: app.pid, escalated: app.escalated, sent: app.sent, crashed: null, pending: built, shutdown: null }, ...effects);
    return beginStop(app.pid, { pending: built }, config, { reason: 'restart', before: effects });
  }
  const keeping = app === null || app.exiting ? null : app.pid;
  effects.push(log({ kind: 'buildFailed', exit, ms, keeping, message }));
  if (app !== null && !app.exiting) return to({ tag: 'running', pid: app.pid, since: app.since, streak: app.streak }, ...effects);
  if (app !== null) return to({ tag: 'stopping', pid: app.pid, escalated: app.escalated, sent: app.sent, crashed: null, pending: null, shutdown: null }, ...effects);
  if (state.first && config.onExit === 'quit') {
    const code = appExitCode(exit);
    return to({ tag: 'done', exitCode: code }, ...effects, { type: 'clearTimer', timer: 'quiet' }, { type: 'exit', code, cause: 'buildFailed' });
  }
  return to({ tag: 'waiting' }, ...effects);
}

function onShutdown(state: Building, trigger: Trigger, at: number, config: MachineConfig): Transition {
  if (state.shutdown !== null) {
    // One Ctrl-C delivered twice (npm) counts once; a second one forces both at once.
    const repeat = repeatedShutdown(state.shutdown, trigger, at, config);
    if (repeat === 'echo') return to({ ...state, shutdown: { ...state.shutdown, echoed: true } });
    if (repeat === 'ignore') return same(state);
    const force: Effect[] = [];
    if (state.build?.pid != null) force.push({ type: 'signal', signal: SIGKILL, target: 'build' });
    if (state.app !== null) force.push({ type: 'signal', signal: SIGKILL });
    const forced = { ...state, app: state.app === null ? null : { ...state.app, escalated: true }, build: state.build === null ? null : { ...state.build, escalated: true } };
    return to(forced, log({ kind: 'forcing', pid: state.app?.pid ?? state.build?.pid ?? 0 }), ...force);
  }
  const shutdown: Shutdown = newShutdown(trigger, at);
  const signal = shutdownSignal(shutdown, config);
  const effects: Effect[] = [log({ kind: 'shutdown', trigger }), { type: 'clearTimer', timer: 'quiet' }, { type: 'setTimer', timer: 'notice', ms: config.stopNotice }];
  let { build, app } = state;
  if (build !== null && !build.cancelled) {
    effects.push(log({ kind: 'buildCancelled', pid: build.pid, reason: 'shutdown' }));
    if (build.pid !== null) effects.push(...stopBuild(signal, config));
    build = { ...build, cancelled: true, sent: build.pid === null ? null : signal };
  }
  if (app !== null && !app.exiting) {
    effects.push(
      log({ kind: 'stopping', pid: app.pid, signal, reason: 'shutdown' }),
      { type: 'signal', signal },
      { type: 'setTimer', timer: 'kill', ms: config.killTimeout },
    );
    app = { ...app, exiting: true, sent: signal };
  }
  return settled({ ...state, build, app, pending: null, shutdown }, effects);
}

/** Shutting down and nothing is left (no build, no app): done. */
function settled(state: Building, effects: Effect[]): Transition {
  if (state.shutdown === null || state.build !== null || state.app !== null) return to(state, ...effects);
  const code = state.shutdown.exitCode;
  return to(
    { tag: 'done', exitCode: code },
    ...effects,
    { type: 'clearTimer', timer: 'quiet' },
    { type: 'clearTimer', timer: 'kill' },
    { type: 'clearTimer', timer: 'buildKill' },
    { type: 'clearTimer', timer: 'notice' },
    { type: 'exit', code, cause: state.shutdown.trigger },
  );
}
