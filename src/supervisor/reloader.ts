import { EventEmitter } from 'node:events';
import path from 'node:path';
import { initialState, transition } from '../core/machine.js';
import type { Changes, Effect, Input, LogEvent, MachineConfig, State } from '../core/types.js';
import { DevreloadError } from '../errors.js';
import { Prestarter } from '../prestart/prestarter.js';
import { createLogger, type Logger } from '../log/logger.js';
import type { ResolvedOptions } from '../options/resolve.js';
import type { Instance } from '../process/instance.js';
import type { Watchdog } from '../process/watchdog.js';
import { instanceFds, socketEnv } from '../socket/env.js';
import type { SocketSet } from '../socket/listen.js';
import type { ReadyProbe } from '../socket/ready.js';
import { readyCheckFor, type ReadyCheck } from '../socket/ready-target.js';
import * as tuning from '../tuning.js';
import { toJsonLine, toPublicEvent, type PublicEvent, type ReloaderEvents } from './events.js';
import { clearScreen, instanceSpec } from './launch.js';
import { realPorts, type ChangeSource, type SupervisorPorts } from './ports.js';
import { Timers } from './timers.js';
import type { InternalOptions, Reloader } from './types.js';

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
  #instance: Instance | null = null;
  #sockets: SocketSet | null = null;
  #appEnv: NodeJS.ProcessEnv;
  #readyCheck: ReadyCheck | undefined;
  #probe: ReadyProbe | undefined;
  /** Wall-clock time the current instance was asked to spawn (compared with file mtimes). */
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
      maxRecordedChanges: tuning.maxRecordedChanges,
      onExit: options.onExit,
      backoffBase: tuning.backoffBaseMs,
      backoffMax: tuning.backoffMaxMs,
      stableAfter: tuning.stableAfterMs,
    };
    this.#timers = new Timers(this.#ports.clock, (timer) => this.#dispatch({ type: 'timer', timer, at: this.#now() }));
    this.#appEnv = options.env;
    this.#logger =
      internal.logger ??
      createLogger({ level: options.logLevel, cwd: options.cwd, command: [options.command, ...options.args].join(' '), stream: this.#ports.stderr });
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
        this.#appEnv = socketEnv(this.#sockets.sockets, this.options.env);
      }
      this.#readyCheck = readyCheckFor(this.options.ready, this.#sockets?.sockets ?? []);
      if (this.options.prestart) {
        const deps = { launch: this.#ports.launch, watchdog: () => this.#watchdog, clock: this.#ports.clock, logger: this.#logger };
        this.#prestarter = new Prestarter(deps);
      }
      if (this.internal.handleSignals === true) {
        this.#disposers.push(this.#ports.signals((signal) => this.#dispatch({ type: 'shutdown', trigger: signal, at: this.#now() })));
      }
      const startedAt = this.#now();
      // The app first: the watchdog, stdin and the watcher (its code and its initial scan) are
      // not on the app's path to its first line. The watchdog is told about the app only once
      // it has spawned, by when the watchdog exists; a change made before the watcher's scan saw
      // the file is caught up (watch-changes.ts).
      this.#dispatch({ type: 'start', at: startedAt });
      this.#watchdog = this.#ports.watchdog({ signal: this.options.signal, graceMs: Math.min(tuning.watchdogGraceMs, this.options.killTimeout) });
      if (this.internal.readStdin === true) {
        this.#disposers.push(this.#ports.controls({ restart: () => this.restart(), forward: (line) => this.#instance?.write(line) }));
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
      void this.#release();
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

  #now(): number {
    return this.#ports.clock.now();
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
    if (!this.#draining) this.#drain();
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
      case 'signal':
        return this.#signal(effect.signal);
      case 'setTimer':
        return this.#timers.set(effect.timer, effect.ms);
      case 'clearTimer':
        return this.#timers.clear(effect.timer);
      case 'log':
        this.#logger.event(effect.event);
        announced.push(effect.event);
        return;
      case 'exit':
        return this.#finish(effect.code);
    }
  }

  #announce(event: LogEvent): void {
    this.emit('event', event);
    const publicEvent = toPublicEvent(event, this.options.cwd);
    if (publicEvent !== undefined) this.#publish(publicEvent);
  }

  #signal(signal: NodeJS.Signals): void {
    // Whatever the stopping instance does now, it is not becoming ready.
    this.#probe?.cancel();
    const instance = this.#instance;
    if (instance === null) return;
    instance.signal(signal).then(
      (pids) => this.#logger.verbose(`sent ${signal} to ${pids.length === 0 ? 'nothing (already gone)' : `pid ${pids.join(', ')}`}`),
      (error: unknown) => this.#logger.error(`could not signal the app: ${String(error)}`),
    );
  }

  /** Lets go of everything start() acquired; safe to call more than once. */
  #release(): Promise<void> {
    this.#timers.clearAll();
    this.#probe?.cancel();
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

  #spawn(changes: Changes | null): void {
    this.#spawnedAt = this.#ports.clock.wall();
    if (changes !== null) clearScreen(this.internal.clear);
    const check = this.#readyCheck;
    const probe = check === undefined ? undefined : this.#ports.probe(check);
    this.#probe = probe;
    const context = {
      options: this.options,
      env: this.#appEnv,
      fds: this.#sockets === null ? undefined : instanceFds(this.#sockets.sockets),
      readyCheck: check,
      json: this.internal.json !== undefined,
      terminal: this.#ports.stdout.isTTY === true,
      copyTo: { stdout: this.#ports.stdout, stderr: this.#ports.stderr },
    };
    // The leader's pid is known only once spawned; escaped processes are found by later scans.
    let leader: number | undefined;
    const hooks = {
      onOutputLine: check?.kind === 'output' ? (line: string) => probe?.line(line) : undefined,
      onEscaped: (pid: number, startTime: string | undefined) => {
        if (leader !== undefined) this.#watchdog?.remember(leader, pid, startTime);
      },
    };
    const launch = this.#prestarter?.launch ?? this.#ports.launch;
    launch(instanceSpec(context, changes, hooks)).then(
      (instance) => {
        leader = instance.pid;
        this.#adopt(instance, probe);
      },
      (error: unknown) => {
        probe?.cancel();
        const message = error instanceof Error ? error.message : String(error);
        const exitCode = error instanceof DevreloadError ? error.exitCode : 1;
        this.#dispatch({ type: 'spawnFailed', message, exitCode, at: this.#now() });
      },
    );
  }

  /** A spawned instance: guard it, feed its lifecycle to the machine, report readiness. */
  #adopt(instance: Instance, probe: ReadyProbe | undefined): void {
    this.#instance = instance;
    this.#watchdog?.watch(instance.pid);
    this.#dispatch({ type: 'spawned', pid: instance.pid, at: this.#now() });
    void probe?.ready.then((ms) => {
      if (ms === null) return;
      this.#logger.info(`ready in ${ms} ms`);
      this.#publish({ name: 'ready', payload: { pid: instance.pid, ms } });
    });
    void instance.exited.then((exit) => {
      probe?.cancel();
      this.#dispatch({ type: 'exited', exit, at: this.#now() });
    });
    const onGone = () => {
      this.#watchdog?.unwatch(instance.pid);
      if (this.#instance === instance) this.#instance = null;
      this.#dispatch({ type: 'gone', at: this.#now() });
    };
    instance.gone.then(onGone, (error: unknown) => {
      this.#logger.error(`could not confirm that every process of the app is gone: ${String(error)}`);
      onGone();
    });
  }

  #finish(code: number): void {
    this.#release().then(
      () => this.#resolveExited(code),
      (error: unknown) => {
        this.#logger.error(`closing the watcher failed: ${String(error)}`);
        this.#resolveExited(code);
      },
    );
  }
}
