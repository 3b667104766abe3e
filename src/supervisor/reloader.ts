import { EventEmitter } from 'node:events';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { initialState, transition } from '../core/machine.js';
import type { Changes, Effect, Input, MachineConfig, State } from '../core/types.js';
import { DevreloadError } from '../errors.js';
import { createLogger, type Logger } from '../log/logger.js';
import type { ResolvedOptions } from '../options/resolve.js';
import { startInstance, type Instance } from '../process/instance.js';
import { startWatchdog, type Watchdog } from '../process/watchdog.js';
import { instanceFds, socketEnv } from '../socket/env.js';
import { listenSockets, type SocketSet } from '../socket/listen.js';
import { probeReady, type ReadyProbe } from '../socket/ready.js';
import { readyCheckFor, type ReadyCheck } from '../socket/ready-target.js';
import type { Watcher } from '../watch/watcher.js';
import { readControls } from './controls.js';
import { clearScreen, instanceSpec } from './launch.js';
import { watchChanges } from './watch-changes.js';
import { toJsonLine, toPublicEvent, type PublicEvent, type ReloaderEvents } from './events.js';
import { onShutdownSignals } from './signals.js';
import { Timers } from './timers.js';
import type { InternalOptions, Reloader } from './api.js';

// How long the watchdog lets the app run its shutdown handler after devreload was SIGKILLed.
const watchdogGraceMs = 1000;

/**
 * The one place that wires the pure state machine to the adapters: inputs from the watcher,
 * the app instance, timers and OS signals go in; the machine's effects come out and are run here.
 */
export class Supervisor extends EventEmitter<ReloaderEvents> implements Reloader {
  #state: State = initialState;
  readonly #config: MachineConfig;
  readonly #logger: Logger;
  readonly #timers = new Timers((timer) => this.#dispatch({ type: 'timer', timer, at: now() }));
  #instance: Instance | null = null;
  #sockets: SocketSet | null = null;
  #appEnv: NodeJS.ProcessEnv;
  #readyCheck: ReadyCheck | undefined;
  #probe: ReadyProbe | undefined;
  /** Wall-clock time the current instance was asked to spawn (compared with file mtimes). */
  #spawnedAt: number | null = null;
  #watcher: Watcher | null = null;
  #watchdog: Watchdog | null = null;
  #disposeSignals: (() => void) | null = null;
  #disposeControls: (() => void) | null = null;
  #started: Promise<void> | null = null;
  #resolveExited!: (code: number) => void;
  readonly exited = new Promise<number>((resolve) => (this.#resolveExited = resolve));

  constructor(
    private readonly options: ResolvedOptions,
    private readonly internal: InternalOptions,
  ) {
    super();
    this.#config = {
      stopSignal: options.signal,
      killTimeout: options.killTimeout,
      delay: options.delay,
      burstThreshold: 20,
      burstDelay: 150,
      duplicateSignalWindow: 250,
      maxRecordedChanges: 1000,
      onExit: options.onExit,
      backoffBase: 200,
      backoffMax: 5000,
      stableAfter: 5000,
    };
    this.#appEnv = options.env;
    this.#logger = internal.logger ?? createLogger({ level: options.logLevel, cwd: options.cwd, command: [options.command, ...options.args].join(' ') });
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
        this.#sockets = await listenSockets(this.options.sockets, { option: this.internal.naming === 'cli' ? '--socket' : 'socket' });
        if (this.#stopped()) return await this.#release();
        this.#appEnv = socketEnv(this.#sockets.sockets, this.options.env);
      }
      this.#readyCheck = readyCheckFor(this.options.ready, this.#sockets?.sockets ?? []);
      // Created before the app starts: a bad glob or an unreadable .gitignore throws here,
      // while nothing is running yet.
      const watcher = this.#createWatcher();
      this.#watchdog = startWatchdog({ signal: this.options.signal, graceMs: Math.min(watchdogGraceMs, this.options.killTimeout) });
      if (this.internal.handleSignals === true) {
        this.#disposeSignals = onShutdownSignals((signal) => this.#dispatch({ type: 'shutdown', trigger: signal, at: now() }));
      }
      if (this.internal.readStdin === true) {
        this.#disposeControls = readControls(process.stdin, {
          restart: () => this.restart(),
          forward: (line) => this.#instance?.write(line),
        });
      }
      const startedAt = now();
      this.#dispatch({ type: 'start', at: now() });
      await watcher.ready;
      if (this.#stopped()) return;
      const shown = this.options.watch.map((p) => path.relative(this.options.cwd, p) || '.');
      const ms = Math.round(now() - startedAt);
      this.#logger.info(`watching ${shown.join(', ')}${this.options.logLevel === 'verbose' ? ` (ready in ${ms} ms)` : ''}`);
      this.#publish({ name: 'watching', payload: { paths: shown, ms } });
    } catch (error) {
      this.#release();
      throw error;
    }
  }

  /** A method, not an inline check: TypeScript's narrowing would not see `stop()` run across an await. */
  #stopped(): boolean {
    return this.#state.tag === 'done';
  }

  #createWatcher(): Watcher {
    this.#watcher = watchChanges(
      this.options,
      this.#logger,
      (changed) => this.#dispatch({ type: 'change', path: changed, at: now() }),
      () => this.#spawnedAt,
    );
    return this.#watcher;
  }


  restart(): void {
    this.#dispatch({ type: 'restart', at: now() });
  }

  stop(): Promise<number> {
    this.#dispatch({ type: 'shutdown', trigger: 'api', at: now() });
    return this.exited;
  }

  #dispatch(input: Input): void {
    const { state, effects } = transition(this.#state, input, this.#config);
    this.#state = state;
    for (const effect of effects) this.#run(effect);
  }

  #run(effect: Effect): void {
    switch (effect.type) {
      case 'spawn':
        return this.#spawn(effect.changes);
      case 'signal': {
        // Whatever the stopping instance does now, it is not becoming ready.
        this.#probe?.cancel();
        const instance = this.#instance;
        if (instance === null) return;
        instance.signal(effect.signal).then(
          (pids) => this.#logger.verbose(`sent ${effect.signal} to ${pids.length === 0 ? 'nothing (already gone)' : `pid ${pids.join(', ')}`}`),
          (error: unknown) => this.#logger.error(`could not signal the app: ${String(error)}`),
        );
        return;
      }
      case 'setTimer':
        return this.#timers.set(effect.timer, effect.ms);
      case 'clearTimer':
        return this.#timers.clear(effect.timer);
      case 'log': {
        this.#logger.event(effect.event);
        this.emit('event', effect.event);
        const event = toPublicEvent(effect.event, this.options.cwd);
        if (event !== undefined) this.#publish(event);
        return;
      }
      case 'exit':
        return this.#finish(effect.code);
    }
  }

  /** Lets go of everything start() acquired; safe to call more than once. */
  #release(): Promise<void> {
    this.#timers.clearAll();
    this.#probe?.cancel();
    this.#sockets?.close();
    this.#disposeSignals?.();
    this.#disposeSignals = null;
    this.#disposeControls?.();
    this.#disposeControls = null;
    this.#watchdog?.close();
    return this.#watcher?.close() ?? Promise.resolve();
  }

  #publish(event: PublicEvent): void {
    this.internal.json?.write(toJsonLine(event, new Date()));
    (this.emit as (name: string, payload: unknown) => boolean)(event.name, event.payload);
  }

  #spawn(changes: Changes | null): void {
    this.#spawnedAt = Date.now();
    if (changes !== null) clearScreen(this.internal.clear);
    const check = this.#readyCheck;
    const probe = check === undefined ? undefined : probeReady(check);
    this.#probe = probe;
    const context = {
      options: this.options,
      env: this.#appEnv,
      fds: this.#sockets === null ? undefined : instanceFds(this.#sockets.sockets),
      readyCheck: check,
      json: this.internal.json !== undefined,
      terminal: process.stdout.isTTY === true,
    };
    // The leader's pid is known only once spawned; escaped processes are found by later scans.
    let leader: number | undefined;
    const hooks = {
      onOutputLine: check?.kind === 'output' ? (line: string) => probe?.line(line) : undefined,
      onEscaped: (pid: number, startTime: string | undefined) => {
        if (leader !== undefined) this.#watchdog?.remember(leader, pid, startTime);
      },
    };
    startInstance(instanceSpec(context, changes, hooks)).then(
      (instance) => {
        leader = instance.pid;
        this.#instance = instance;
        this.#watchdog?.watch(instance.pid);
        this.#dispatch({ type: 'spawned', pid: instance.pid, at: now() });
        void probe?.ready.then((ms) => {
          if (ms === null) return;
          this.#logger.info(`ready in ${ms} ms`);
          this.#publish({ name: 'ready', payload: { pid: instance.pid, ms } });
        });
        void instance.exited.then((exit) => {
          probe?.cancel();
          this.#dispatch({ type: 'exited', exit, at: now() });
        });
        const onGone = () => {
          this.#watchdog?.unwatch(instance.pid);
          if (this.#instance === instance) this.#instance = null;
          this.#dispatch({ type: 'gone', at: now() });
        };
        instance.gone.then(onGone, (error: unknown) => {
          this.#logger.error(`could not confirm that every process of the app is gone: ${String(error)}`);
          onGone();
        });
      },
      (error: unknown) => {
        probe?.cancel();
        const message = error instanceof Error ? error.message : String(error);
        const exitCode = error instanceof DevreloadError ? error.exitCode : 1;
        this.#dispatch({ type: 'spawnFailed', message, exitCode, at: now() });
      },
    );
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

function now(): number {
  return performance.now();
}
