import path from 'node:path';
import type { Input } from '../core/types.js';
import type { Logger } from '../log/logger.js';
import type { ResolvedOptions } from '../options/resolve.js';
import { Prestarter } from '../prestart/prestarter.js';
import type { OpenFile } from '../process/open-for-writing.js';
import type { Watchdog } from '../process/watchdog.js';
import type { SocketSet } from '../socket/listen.js';
import { inspectorPorts } from '../socket/inspector-ports.js';
import { readyCheckFor, type ReadyCheck } from '../socket/ready-target.js';
import * as tuning from '../tuning.js';
import type { DevProxy, EventSource } from '../proxy/dev-proxy.js';
import type { Controls } from './controls.js';
import type { EventOutput } from './event-output.js';
import type { ChangeSource, SupervisorPorts } from './ports.js';
import { parentHandlers } from './parent-watch.js';
import { attachProxy } from './proxy-wiring.js';
import type { InternalOptions } from './types.js';

/** What the start-up needs of the supervisor that runs it. */
export interface StartUpHost {
  readonly options: ResolvedOptions;
  readonly internal: InternalOptions;
  readonly ports: SupervisorPorts;
  readonly logger: Logger;
  readonly out: EventOutput;
  /** The supervisor's events, which the `--proxy` follows. */
  readonly events: EventSource;
  /** The machine is done: stop() was called meanwhile. */
  stopped(): boolean;
  /** The machine's time. */
  now(): number;
  dispatch(input: Input): void;
  /** The supervisor's own release (its timers too), which ends in this one's. */
  release(): Promise<void>;
  stop(): Promise<number>;
  restart(): void;
  suspend(): void;
  /** A line typed for the app's stdin. */
  forward(line: string): void;
  /** Wall-clock time the current instance (or the build before it) was started: compared with file mtimes. */
  instanceStartedAt(): number | null;
  /** Wall-clock time the last --build step ended, or null. */
  buildEndedAt(): number | null;
  /** The files the current instance holds open for writing (none without one). */
  openForWriting(): readonly OpenFile[];
}

/**
 * The order devreload starts in, and everything it acquires on the way (released together by
 * release()): the sockets, the signal handlers, the app, the watchdog, stdin, the watcher.
 */
export class StartUp {
  sockets: SocketSet | null = null;
  readyCheck: ReadyCheck | undefined;
  watchdog: Watchdog | null = null;
  /** Stands in for the launcher: `--prestart` keeps a parked runtime for the next start; the defaults boot one when a restart is owed. */
  prestarter: Prestarter | null = null;
  controls: Controls | null = null;
  /** `--proxy`: follows the supervisor's events; closed with everything else run() acquired. */
  proxy: DevProxy | null = null;
  #watcher: ChangeSource | null = null;
  readonly #disposers: Array<() => void> = [];

  constructor(private readonly host: StartUpHost) {}

  /** Throws what went wrong; the caller stops whatever already runs. */
  async run(): Promise<void> {
    const { options, internal, ports, logger } = this.host;
    // Bound first: a port that is taken is bad input, reported before anything runs.
    if (options.sockets.length > 0) {
      this.sockets = await ports.listen(options.sockets, { option: internal.naming === 'cli' ? '--socket' : 'socket' });
      if (this.host.stopped()) return await this.host.release();
    }
    this.readyCheck = readyCheckFor(options.ready, this.sockets?.sockets ?? [], inspectorPorts(options.command, options.args, options.env));
    if (options.proxy !== undefined) {
      const wiring = { options, internal, ports, logger, sockets: this.sockets, readyCheck: this.readyCheck, publish: this.host.out.publish.bind(this.host.out) };
      const proxy = await attachProxy(this.host.events, wiring);
      this.proxy = proxy;
      this.#disposers.push(() => void proxy.close());
      if (this.host.stopped()) return await this.host.release();
    }
    // Without --prestart, a runtime-only spare on demand: booted when a restart is owed (the
    // machine's `prepare`), woken at the end of the quiet window instead of a cold spawn.
    const mode = options.prestart === false ? 'runtime' : options.prestart;
    const deps = { launch: ports.launch, watchdog: () => this.watchdog, clock: ports.clock, logger, userPaths: options.watch, mode, onDemand: options.prestart === false };
    this.prestarter = new Prestarter(deps);
    if (internal.handleSignals === true) {
      this.#disposers.push(ports.signals((signal) => this.host.dispatch({ type: 'shutdown', trigger: signal, at: this.host.now() })));
      this.#disposers.push(ports.suspendRequests(() => this.host.suspend()));
    }
    const startedAt = this.host.now();
    // Then the app: stdin and the watcher (its code and its initial scan) are not on its path
    // to its first line. A change made before the watcher's scan saw the file is caught up
    // (watch-changes.ts).
    this.host.dispatch({ type: 'start', at: startedAt });
    // Right after the app's spawn, in the same turn: every instance is handed to the watchdog
    // (watch(pid)) only once its spawn settled, a turn later, so it is guarded exactly as
    // early as before, and its fork (~2 ms of CPU) is off the app's path to its first line.
    // If it cannot start, the caller stops the app: nothing is left running.
    this.watchdog = ports.watchdog({ signal: options.signal, graceMs: Math.min(tuning.watchdogGraceMs, options.killTimeout) });
    if (internal.handleSignals === true) {
      // The parent (or the top of the job, npm) going away stops everything, as SIGHUP does.
      const gone = () => this.host.dispatch({ type: 'shutdown', trigger: 'parent', at: this.host.now() });
      this.#disposers.push(ports.parentGone(parentHandlers(logger, gone)));
    }
    if (internal.readStdin === true) {
      const controls = ports.controls({ restart: () => this.host.restart(), forward: (line) => this.host.forward(line) });
      this.controls = controls;
      this.#disposers.push(() => controls.close());
    }
    const watcher = await this.#watch();
    if (watcher === undefined) return;
    await watcher.ready;
    if (this.host.stopped()) return;
    const shown = [...options.watch, ...(watcher.linkedRoots ?? [])].map((p) => path.relative(options.cwd, p) || '.');
    const ms = Math.round(this.host.now() - startedAt);
    logger.info(`watching ${shown.join(', ')}${options.logLevel === 'verbose' ? ` (scanned in ${ms} ms)` : ''}`);
    this.host.out.publish({ name: 'watching', payload: { paths: shown, ms } });
  }

  /** The watcher; undefined when devreload was stopped meanwhile. One that cannot be created stops the app again. */
  async #watch(): Promise<ChangeSource | undefined> {
    try {
      const watcher = await this.host.ports.watch({
        options: this.host.options,
        logger: this.host.logger,
        onChange: (changed) => this.host.dispatch({ type: 'change', path: changed, at: this.host.now() }),
        onReloadOnly: (changed) => this.proxy?.reloadOnly([changed]),
        instanceStartedAt: () => this.host.instanceStartedAt(),
        buildEndedAt: () => this.host.buildEndedAt(),
        openForWriting: () => this.host.openForWriting(),
      });
      this.#watcher = watcher;
      if (!this.host.stopped()) return watcher;
      await watcher.close();
      return undefined;
    } catch (error) {
      // Options are checked before anything starts; this is the rare rest (a .gitignore that
      // became unreadable). Nothing may be left running: stop the app, then report.
      await this.host.stop();
      throw error;
    }
  }

  /** Lets go of everything run() acquired; safe to call more than once. */
  release(): Promise<void> {
    this.sockets?.close();
    for (const dispose of this.#disposers.splice(0)) dispose();
    // The spare is killed and waited for before the watchdog is let go: nothing outlives us.
    const spare = this.prestarter?.close() ?? Promise.resolve();
    const watcher = this.#watcher?.close() ?? Promise.resolve();
    return spare.finally(() => this.watchdog?.close()).then(() => watcher);
  }
}
