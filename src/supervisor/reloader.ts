import { EventEmitter } from 'node:events';
import { initialState, transition } from '../core/machine.js';
import type { Changes, Effect, Input, LogEvent, MachineConfig, State } from '../core/types.js';
import { createLogger, type Logger } from '../log/logger.js';
import type { ResolvedOptions } from '../options/resolve.js';
import { instanceFds, socketEnv } from '../socket/env.js';
import { proxyUrl } from '../options/proxy.js';
import { toQuitEvent, type QuitCause, type ReloaderEvents } from './events.js';
import { EventOutput } from './event-output.js';
import { appCommand, changedEnv, instanceSpec, type LaunchContext } from './launch.js';
import { realPorts, type SupervisorPorts } from './ports.js';
import { AppInstances } from './app-instances.js';
import { BuildLoop } from './build-loop.js';
import { Builds } from './build-run.js';
import { EnvFiles } from './env-files.js';
import { InputQueue } from './input-queue.js';
import { machineConfig } from './machine-config.js';
import { StartUp } from './start-up.js';
import { Suspension } from './suspension.js';
import { Timers } from './timers.js';
import type { InternalOptions, Reloader } from './types.js';
import { describeStop } from './waiting-line.js';
import { withAppPid } from './app-pid.js';

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
  readonly #out: EventOutput;
  readonly #timers: Timers;
  readonly #queue = new InputQueue<Input>((input) => this.#handle(input));
  readonly #suspension: Suspension;
  readonly #apps: AppInstances;
  readonly #envFiles: EnvFiles;
  readonly #builds: Builds;
  readonly #buildLoop: BuildLoop;
  /** Wall-clock time the current instance (or the build before it) was started: compared with file mtimes. */
  #spawnedAt: number | null = null;
  #buildEndedAt: number | null = null;
  /** The sockets, the watchdog, a spare, stdin, the watcher: what start() acquires. */
  readonly #startUp: StartUp;
  #started: Promise<void> | null = null;
  #resolveExited!: (code: number) => void;
  readonly exited = new Promise<number>((resolve) => (this.#resolveExited = resolve));

  constructor(
    private readonly options: ResolvedOptions,
    private readonly internal: InternalOptions,
  ) {
    super();
    this.#ports = { ...realPorts(), ...internal.ports };
    // Only a run that takes signals itself (the CLI) hears its parent's forwarded copies.
    this.#config = machineConfig(options, internal.handleSignals === true && this.#ports.signalsForwarded());
    this.#timers = new Timers(this.#ports.clock, (timer) => this.#dispatch({ type: 'timer', timer, at: this.#now() }));
    this.#logger =
      internal.logger ??
      createLogger({
        level: options.logLevel,
        cwd: options.cwd,
        command: appCommand(options),
        stream: this.#ports.stderr,
        clear: internal.clear,
        open: options.proxy && proxyUrl(options.proxy),
        using: internal.configSource,
        building: options.build.length > 0,
      });
    this.#out = new EventOutput({
      emit: (name, payload) => (this.emit as (name: string, payload: unknown) => boolean)(name, payload),
      json: internal.json,
      wall: () => this.#ports.clock.wall(),
      cwd: options.cwd,
      log: (event) => this.#apps.log(event),
    });
    this.#apps = new AppInstances({
      launch: (spec) => (this.#startUp.prestarter?.launch ?? this.#ports.launch)(spec),
      probe: this.#ports.probe,
      watchdog: () => this.#startUp.watchdog,
      dispatch: (input) => this.#dispatch({ ...input, at: this.#now() } as Input),
      announce: (event) => this.#out.announce(event),
      now: () => this.#now(),
      after: (ms, fire) => this.#ports.clock.after(ms, fire),
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
      watchdog: () => this.#startUp.watchdog,
      stopSignal: options.signal,
      killTimeout: options.killTimeout,
      after: (ms, fire) => this.#ports.clock.after(ms, fire),
      // --proxy: a failed build's last lines go to the pages' overlay.
      onOutputLine: options.proxy === undefined ? undefined : (line) => this.#startUp.proxy?.buildOutput(line),
      leftovers: (line, pids) => this.#logger.info(`build step \`${line}\` exited and left ${pids.length === 1 ? `pid ${pids[0]}` : `pids ${pids.join(', ')}`} running — stopping ${pids.length === 1 ? 'it' : 'them'}`),
      spawned: (pid) => this.#dispatch({ type: 'buildSpawned', pid, at: this.#now() }),
      exited: () => this.#dispatch({ type: 'buildExited', at: this.#now() }),
      spawnFailed: (message) => this.#dispatch({ type: 'buildSpawnFailed', message, at: this.#now() }),
      done: (exit) => {
        this.#buildEndedAt = this.#ports.clock.wall();
        this.#buildLoop.ended(this.#buildEndedAt);
        this.#dispatch({ type: 'buildDone', exit, at: this.#now() });
      },
    });
    this.#startUp = new StartUp({
      options,
      internal,
      ports: this.#ports,
      logger: this.#logger,
      out: this.#out,
      events: this,
      stopped: () => this.#stopped(),
      now: () => this.#now(),
      dispatch: (input) => this.#dispatch(input),
      release: () => this.#release(),
      stop: () => this.stop(),
      restart: () => this.restart(),
      suspend: () => void this.#suspension.suspend(),
      forward: (line) => this.#apps.write(line),
      instanceStartedAt: () => this.#spawnedAt,
      buildEndedAt: () => this.#buildEndedAt,
      openForWriting: () => {
        const leader = this.#apps.currentPid;
        return leader === null ? [] : this.#ports.openForWriting(leader);
      },
    });
    this.#suspension = new Suspension({
      clock: this.#ports.clock,
      timers: this.#timers,
      queue: this.#queue,
      processes: [this.#apps, this.#builds],
      stopSelf: () => this.#ports.stopSelf(),
      resumed: () => this.#startUp.controls?.recheck(),
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
      await this.#startUp.run();
    } catch (error) {
      // Whatever ran already is stopped before the error is reported: nothing is left running.
      if (this.#state.tag === 'idle') await this.#release();
      else await this.stop();
      throw error;
    }
  }

  /** A method, not an inline check: TypeScript's narrowing would not see `stop()` run across an await. */
  #stopped(): boolean {
    return this.#state.tag === 'done';
  }

  /** The machine's time: the monotonic clock, less the time devreload was suspended. */
  #now(): number {
    return this.#ports.clock.now() - this.#suspension.suspendedMs;
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
  }

  #handle(input: Input): void {
    const { state, effects } = transition(this.#state, input, this.#config);
    this.#state = state;
    const announced: LogEvent[] = [];
    // The app is about to be told to stop: whether it was ready by now is decided first, and said first.
    if (effects.some((effect) => effect.type === 'signal' && effect.target !== 'build')) this.#apps.lastLook();
    for (const effect of effects) this.#run(effect, announced);
    // Listeners hear about a transition once all of its effects ran; whatever they ask
    // for (stop(), restart()) joins the queue behind it.
    for (const event of announced) this.#out.announce(event);
  }

  #run(effect: Effect, announced: LogEvent[]): void {
    switch (effect.type) {
      case 'spawn':
        return this.#spawn(effect.changes);
      case 'prepare':
        return this.#prepare();
      case 'signal': {
        const { ifReached } = effect;
        const reached = ifReached && (() => this.#out.logAndAnnounce(ifReached));
        if (effect.target === 'build') return this.#builds.signal(effect.signal, reached);
        return this.#apps.signal(effect.signal, reached);
      }
      case 'build':
        return this.#startBuild(effect.changes);
      case 'setTimer':
        return this.#timers.set(effect.timer, effect.ms);
      case 'clearTimer':
        return this.#timers.clear(effect.timer);
      case 'log':
        // Through the instances: a restart's line may wait for the new instance to be ready.
        this.#apps.log(withAppPid(effect.event, this.#ports.appProcess));
        announced.push(effect.event);
        return;
      case 'describeStop':
        return describeStop(effect, {
          // A build is known by its first step's pid: what is left is the step under way's.
          instanceFor: (leader) => this.#apps.instanceFor(leader) ?? this.#builds.stepFor(leader) ?? { leader, tag: undefined },
          remaining: (leader, tag) => this.#ports.remaining(leader, tag),
          // Gone while the table was read: nothing left to wait for.
          stillStopping: () => this.#state.tag === 'stopping' || (this.#state.tag === 'building' && this.#state.shutdown !== null),
          announce: (event) => this.#out.logAndAnnounce(event),
          logger: this.#logger,
          appCommand: appCommand(this.options),
        });
      case 'exit':
        return this.#finish(effect.code, effect.cause);
    }
  }

  /** Lets go of everything start() acquired; safe to call more than once. */
  #release(): Promise<void> {
    this.#timers.clearAll();
    this.#apps.cancelProbe();
    return this.#startUp.release();
  }

  /** The app's environment for a start now: the options' env, the env files over it, the sockets' variables. */
  #env(): NodeJS.ProcessEnv {
    const base = this.options.envFiles.length === 0 ? this.options.env : { ...this.options.env, ...this.#envFiles.read() };
    return this.#startUp.sockets === null ? base : socketEnv(this.#startUp.sockets.sockets, base);
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
    // A warm --prestart spare is woken only if none of these could have changed what it loaded.
    this.#startUp.prestarter?.changed(changes);
    const context = this.#launchContext();
    this.#apps.launch((hooks) => instanceSpec(context, changes, hooks), context.readyCheck);
  }

  /** A start is owed: a spare on demand boots for what a spawn now would get (placeholder output
   * hooks, repointed at the wake; a spare the spawn's environment does not fit is not woken). */
  #prepare(): void {
    const context = this.#launchContext();
    const hooks = { onOutputLine: context.readyCheck?.kind === 'output' ? () => undefined : undefined, onEscaped: () => undefined };
    this.#startUp.prestarter?.prepare(instanceSpec(context, null, hooks));
  }

  #launchContext(): LaunchContext {
    return {
      options: this.options,
      env: this.#env(),
      fds: this.#startUp.sockets === null ? undefined : instanceFds(this.#startUp.sockets.sockets),
      readyCheck: this.#startUp.readyCheck,
      json: this.internal.json !== undefined,
      terminal: this.#ports.stdout.isTTY === true,
      copyTo: { stdout: this.#ports.stdout, stderr: this.#ports.stderr },
    };
  }

  #finish(code: number, cause: QuitCause): void {
    // The last event, once everything devreload started is gone (the watcher, a spare).
    const quit = () => {
      this.#out.publish(toQuitEvent(code, cause));
      this.#resolveExited(code);
    };
    this.#release().then(quit, (error: unknown) => {
      this.#logger.error(`closing the watcher failed: ${String(error)}`);
      quit();
    });
  }
}
