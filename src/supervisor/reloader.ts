import { EventEmitter } from 'node:events';
import path from 'node:path';
import { initialState, transition } from '../core/machine.js';
import type { Changes, Effect, Input, LogEvent, MachineConfig, State } from '../core/types.js';
import { createLogger, type Logger } from '../log/logger.js';
import type { ResolvedOptions } from '../options/resolve.js';
import { Prestarter } from '../prestart/prestarter.js';
import type { Watchdog } from '../process/watchdog.js';
import { instanceFds, socketEnv } from '../socket/env.js';
import type { SocketSet } from '../socket/listen.js';
import { readyCheckFor, type ReadyCheck } from '../socket/ready-target.js';
import * as tuning from '../tuning.js';
import { toJsonLine, toPublicEvent, toQuitEvent, type PublicEvent, type QuitCause, type ReloaderEvents } from './events.js';
import { changedEnv, instanceSpec } from './launch.js';
import { realPorts, type ChangeSource, type SupervisorPorts } from './ports.js';
import { AppInstances } from './app-instances.js';
import { BuildLoop } from './build-loop.js';
import { Builds } from './build-run.js';
import { EnvFiles } from './env-files.js';
import { Timers } from './timers.js';
import type { InternalOptions, Reloader } from './types.js';
import type { Controls } from './controls.js';

/**
 * The one place that wires the pure state machine to the adapters: inputs from the watcher,
 * the app instance, timers and OS signals go in; the machine's effects come out and are run here.
 * Inputs are queued and handled one at a time: an input that arrives while the effects of the
 * previous one run (a listener calling stop(), a timer) is handled after them, never inside.
 */
export class Supervisor extends EventEmitter<ReloaderEvents> implements Reloader {
  #state: State = initialState;
  readonly #config: MachineConfig;
  readonly #ports: SupervisorPorts;
  readonly #logger: Logger;
  readonly #timers: Timers;
  readonly #queue: Input[] = [];
  #draining = false;
  /** Ctrl-Z under way: inputs wait in the queue until the app runs again. */
  #suspension: Promise<void> | null = null;
  /** Time spent suspended (Ctrl-Z until fg/bg): not part of any duration the machine measures. */
  #suspendedMs = 0;
  #controls: Controls | null = null;
  readonly #apps: AppInstances;
  #sockets: SocketSet | null = null;
  readonly #envFiles: EnvFiles;
  readonly #builds: Builds;
  readonly #buildLoop: BuildLoop;
  #readyCheck: ReadyCheck | undefined;
  /** Wall-clock time the current instance (or the build before it) was started: compared with file mtimes. */
  #spawnedAt: number | null = null;
  #watcher: ChangeSource | null = null;
  #watchdog: Watchdog | null = null;
  /** `--prestart`: stands in for the launcher, keeping a parked runtime for the next start. */
  #prestarter: Prestarter | null = null;
  #disposers: Array<() => void> = [];
  #started: Promise<void> | null = null;
  #resolveExited!: (code: number) => void;
  readonly exited = new Promise<number>((resolve) => (this.#resolveExited = resolve));

  constructor(
    private readonly options: ResolvedOptions,
    private readonly internal: InternalOptions,
  ) {
    super();
    this.#ports = { ...realPorts(), ...internal.ports };
    this.#config = {
      stopSignal: options.signal,
      killTimeout: options.killTimeout,
      delay: options.delay,
      burstThreshold: tuning.burstThreshold,
      burstDelay: tuning.burstDelayMs,
      duplicateSignalWindow: tuning.duplicateSignalWindowMs,
      stopNotice: tuning.stopNoticeMs,
      maxRecordedChanges: tuning.maxRecordedChanges,
      onExit: options.onExit,
      backoffBase: tuning.backoffBaseMs,
      backoffMax: tuning.backoffMaxMs,
      stableAfter: tuning.stableAfterMs,
      build: options.build.length > 0,
      postpone: options.postpone,
    };
    this.#timers = new Timers(this.#ports.clock, (timer) => this.#dispatch({ type: 'timer', timer, at: this.#now() }));
    this.#logger =
      internal.logger ??
      createLogger({ level: options.logLevel, cwd: options.cwd, command: [options.command, ...options.args], stream: this.#ports.stderr, clear: internal.clear });
    this.#apps = new AppInstances({
      launch: (spec) => (this.#prestarter?.launch ?? this.#ports.launch)(spec),
      probe: this.#ports.probe,
      watchdog: () => this.#watchdog,
      dispatch: (input) => this.#dispatch({ ...input, at: this.#now() } as Input),
      publish: (event) => this.#publish(event),
      logger: this.#logger,
    });
    this.#envFiles = new EnvFiles(options.envFiles, options.cwd, this.#logger);
    this.#buildLoop = new BuildLoop(this.#logger, options.cwd);
    this.#builds = new Builds({
      steps: options.build,
      cwd: options.cwd,
      json: internal.json !== undefined,
      copyTo: { stdout: this.#ports.stdout, stderr: this.#ports.stderr },
      launch: this.#ports.launch,
      watchdog: () => this.#watchdog,
      stopSignal: options.signal,
      killTimeout: options.killTimeout,
      after: (ms, fire) => this.#ports.clock.after(ms, fire),
      leftovers: (line, pids) => this.#logger.info(`build step \`${line}\` exited and left ${pids.length === 1 ? `pid ${pids[0]}` : `pids ${pids.join(', ')}`} running — stopping ${pids.length === 1 ? 'it' : 'them'}`),
      spawned: (pid) => this.#dispatch({ type: 'buildSpawned', pid, at: this.#now() }),
      spawnFailed: (message) => this.#dispatch({ type: 'buildSpawnFailed', message, at: this.#now() }),
      done: (exit) => {
        this.#buildLoop.ended(this.#ports.clock.wall());
        this.#dispatch({ type: 'buildDone', exit, at: this.#now() });
      },
    });
  }

  start(): Promise<void> {
    this.#started ??= this.#start();
    return this.#started;
  }

  async #start(): Promise<void> {
    // stop() came first: there is nothing to start.
    if (this.#stopped()) return;
    try {
      // Bound first: a port that is taken is bad input, reported before anything runs.
      if (this.options.sockets.length > 0) {
        this.#sockets = await this.#ports.listen(this.options.sockets, { option: this.internal.naming === 'cli' ? '--socket' : 'socket' });
        if (this.#stopped()) return await this.#release();
      }
      this.#readyCheck = readyCheckFor(this.options.ready, this.#sockets?.sockets ?? []);
      if (this.options.prestart) {
        const deps = { launch: this.#ports.launch, watchdog: () => this.#watchdog, clock: this.#ports.clock, logger: this.#logger, mode: this.options.prestart, userRoots: () => this.options.watch };
        this.#prestarter = new Prestarter(deps);
      }
      if (this.internal.handleSignals === true) {
        this.#disposers.push(this.#ports.signals((signal) => this.#dispatch({ type: 'shutdown', trigger: signal, at: this.#now() })));
        this.#disposers.push(this.#ports.suspendRequests(() => void this.#suspend()));
      }
      const startedAt = this.#now();
      // Then the app: stdin and the watcher (its code and its initial scan) are not on its path
      // to its first line. A change made before the watcher's scan saw the file is caught up
      // (watch-changes.ts).
      this.#dispatch({ type: 'start', at: startedAt });
      // Right after the app's spawn, in the same turn: every instance is handed to the watchdog
      // (watch(pid)) only once its spawn settled, a turn later, so it is guarded exactly as
      // early as before, and its fork (~2 ms of CPU) is off the app's path to its first line.
      // If it cannot start, the catch below stops the app: nothing is left running.
      this.#watchdog = this.#ports.watchdog({ signal: this.options.signal, graceMs: Math.min(tuning.watchdogGraceMs, this.options.killTimeout) });
      if (this.internal.readStdin === true) {
        const controls = this.#ports.controls({ restart: () => this.restart(), forward: (line) => this.#apps.write(line) });
        this.#controls = controls;
        this.#disposers.push(() => controls.close());
      }
      const watcher = await this.#watch();
      if (watcher === undefined) return;
      await watcher.ready;
      if (this.#stopped()) return;
      const shown = this.options.watch.map((p) => path.relative(this.options.cwd, p) || '.');
      const ms = Math.round(this.#now() - startedAt);
      this.#logger.info(`watching ${shown.join(', ')}${this.options.logLevel === 'verbose' ? ` (ready in ${ms} ms)` : ''}`);
      this.#publish({ name: 'watching', payload: { paths: shown, ms } });
    } catch (error) {
      // Whatever ran already is stopped before the error is reported: nothing is left running.
      if (this.#state.tag === 'idle') await this.#release();
      else await this.stop();
      throw error;
    }
  }

  /** The watcher; undefined when devreload was stopped meanwhile. One that cannot be created stops the app again. */
  async #watch(): Promise<ChangeSource | undefined> {
    try {
      const watcher = await this.#ports.watch({
        options: this.options,
        logger: this.#logger,
        onChange: (changed) => this.#dispatch({ type: 'change', path: changed, at: this.#now() }),
        instanceStartedAt: () => this.#spawnedAt,
      });
      this.#watcher = watcher;
      if (!this.#stopped()) return watcher;
      await watcher.close();
      return undefined;
    } catch (error) {
      // Options are checked before anything starts; this is the rare rest (a .gitignore that
      // became unreadable). Nothing may be left running: stop the app, then report.
      await this.stop();
      throw error;
    }
  }

  /** A method, not an inline check: TypeScript's narrowing would not see `stop()` run across an await. */
  #stopped(): boolean {
    return this.#state.tag === 'done';
  }

  /** The machine's time: the monotonic clock, less the time devreload was suspended. */
  #now(): number {
    return this.#ports.clock.now() - this.#suspendedMs;
  }

  restart(): void {
    this.#dispatch({ type: 'restart', at: this.#now() });
  }

  stop(): Promise<number> {
    this.#dispatch({ type: 'shutdown', trigger: 'api', at: this.#now() });
    return this.exited;
  }

  #dispatch(input: Input): void {
    this.#queue.push(input);
    if (!this.#draining && this.#suspension === null) this.#drain();
  }

  /**
   * Ctrl-Z: the app's processes (and a build's) are stopped, then devreload itself, so that the
   * shell sees the job stopped. Time stands still meanwhile (the kill timeout, the quiet
   * window, the restart's duration, the crash streak's "quick exit"); changes made while suspended reach the machine once everything runs again, where
   * the quiet window folds them into one restart. A second Ctrl-Z while suspending is the same.
   */
  #suspend(): Promise<void> {
    this.#suspension ??= (async () => {
      this.#timers.pause();
      try {
        await Promise.all([this.#apps.suspend(), this.#builds.suspend()]);
      } finally {
        const stoppedAt = this.#ports.clock.now();
        this.#ports.stopSelf();
        this.#suspendedMs += this.#ports.clock.now() - stoppedAt;
        // Running again (`fg` or `bg`): the app first, then time, then the inputs that waited.
        await Promise.all([this.#apps.resume(), this.#builds.resume()]);
        this.#controls?.recheck();
        this.#timers.resume();
        this.#suspension = null;
        if (!this.#draining && this.#queue.length > 0) this.#drain();
      }
    })();
    return this.#suspension;
  }

  #drain(): void {
    this.#draining = true;
    try {
      for (let next = this.#queue.shift(); next !== undefined; next = this.#queue.shift()) {
        const { state, effects } = transition(this.#state, next, this.#config);
        this.#state = state;
        const announced: LogEvent[] = [];
        for (const effect of effects) this.#run(effect, announced);
        // Listeners hear about a transition once all of its effects ran; whatever they ask
        // for (stop(), restart()) joins the queue behind it.
        for (const event of announced) this.#announce(event);
      }
    } finally {
      this.#draining = false;
      // A listener threw out of the loop: what is still queued runs, just not inside it.
      if (this.#queue.length > 0) queueMicrotask(() => this.#draining || this.#drain());
    }
  }

  #run(effect: Effect, announced: LogEvent[]): void {
    switch (effect.type) {
      case 'spawn':
        return this.#spawn(effect.changes);
      case 'signal': {
        if (effect.target === 'build') return this.#builds.signal(effect.signal);
        const { ifReached } = effect;
        return this.#apps.signal(effect.signal, ifReached && (() => this.#announceNow(ifReached)));
      }
      case 'build':
        return this.#startBuild(effect.changes);
      case 'setTimer':
        return this.#timers.set(effect.timer, effect.ms);
      case 'clearTimer':
        return this.#timers.clear(effect.timer);
      case 'log': {
        // The start line says which --prestart spare (if any) the instance was.
        const { event } = effect;
        const note = event.kind === 'spawned' ? this.#prestarter?.noteFor(event.pid) : undefined;
        this.#logger.event(event.kind === 'spawned' && note !== undefined ? { ...event, note } : event);
        announced.push(event);
        return;
      }
      case 'describeStop':
        return this.#describeStop(effect);
      case 'exit':
        return this.#finish(effect.code, effect.cause);
    }
  }

  /** A stop that takes long: one line (and a `waiting` event) naming what is left and when SIGKILL comes. */
  #describeStop({ leaders, killInMs, canForce }: Extract<Effect, { type: 'describeStop' }>): void {
    const [pid] = leaders;
    if (pid === undefined) return;
    // A build is known by its first step's pid: what is left is the step under way's.
    const instances = leaders.map((leader) => this.#apps.instanceFor(leader) ?? this.#builds.stepFor(leader) ?? { leader, tag: undefined });
    Promise.all(instances.map(({ leader, tag }) => this.#ports.remaining(leader, tag))).then(
      (found) => {
        // Gone while the table was read: nothing left to wait for.
        const state = this.#state;
        if (state.tag !== 'stopping' && !(state.tag === 'building' && state.shutdown !== null)) return;
        this.#announceNow({ kind: 'waiting', pid, remaining: found.flat(), killInMs, canForce });
      },
      (error: unknown) => this.#logger.verbose(`could not list what the stop waits for: ${String(error)}`),
    );
  }

  /** An event the machine left to an adapter's finding (a stop that reached something): logged and announced now. */
  #announceNow(event: LogEvent): void {
    this.#logger.event(event);
    this.#announce(event);
  }

  #announce(event: LogEvent): void {
    this.emit('event', event);
    const publicEvent = toPublicEvent(event, this.options.cwd);
    if (publicEvent !== undefined) this.#publish(publicEvent);
  }

  /** Lets go of everything start() acquired; safe to call more than once. */
  #release(): Promise<void> {
    this.#timers.clearAll();
    this.#apps.cancelProbe();
    this.#sockets?.close();
    for (const dispose of this.#disposers.splice(0)) dispose();
    // The spare is killed and waited for before the watchdog is let go: nothing outlives us.
    const spare = this.#prestarter?.close() ?? Promise.resolve();
    const watcher = this.#watcher?.close() ?? Promise.resolve();
    return spare.finally(() => this.#watchdog?.close()).then(() => watcher);
  }

  #publish(event: PublicEvent): void {
    this.internal.json?.write(toJsonLine(event, new Date(this.#ports.clock.wall())));
    (this.emit as (name: string, payload: unknown) => boolean)(event.name, event.payload);
  }

  /** The app's environment for a start now: the options' env, the env files over it, the sockets' variables. */
  #env(): NodeJS.ProcessEnv {
    const base = this.options.envFiles.length === 0 ? this.options.env : { ...this.options.env, ...this.#envFiles.read() };
    return this.#sockets === null ? base : socketEnv(this.#sockets.sockets, base);
  }

  #startBuild(changes: Changes | null): void {
    const startedAt = this.#ports.clock.wall();
    // What the build reads now is what the next instance runs: a late report of a write made
    // before this moment (chokidar's re-check) must not cancel it.
    this.#spawnedAt = startedAt;
    this.#buildLoop.started(changes, startedAt);
    this.#builds.start({ ...this.#env(), ...changedEnv(changes, this.options.cwd) });
  }

  #spawn(changes: Changes | null): void {
    this.#spawnedAt = this.#ports.clock.wall();
    this.#prestarter?.changed(changes);
    const check = this.#readyCheck;
    const context = {
      options: this.options,
      env: this.#env(),
      fds: this.#sockets === null ? undefined : instanceFds(this.#sockets.sockets),
      readyCheck: check,
      json: this.internal.json !== undefined,
      terminal: this.#ports.stdout.isTTY === true,
      copyTo: { stdout: this.#ports.stdout, stderr: this.#ports.stderr },
    };
    this.#apps.launch((hooks) => instanceSpec(context, changes, hooks), check);
  }

  #finish(code: number, cause: QuitCause): void {
    // The last event, once everything devreload started is gone (the watcher, a spare).
    const quit = () => {
      this.#publish(toQuitEvent(code, cause));
      this.#resolveExited(code);
    };
    this.#release().then(quit, (error: unknown) => {
      this.#logger.error(`closing the watcher failed: ${String(error)}`);
      quit();
    });
  }
}
