import type { Input } from '../core/types.js';
import { DevreloadError } from '../errors.js';
import type { Logger } from '../log/logger.js';
import type { Instance, InstanceSpec } from '../process/instance.js';
import type { Watchdog } from '../process/watchdog.js';
import type { ReadyProbe } from '../socket/ready.js';
import type { ReadyCheck } from '../socket/ready-target.js';
import type { PublicEvent } from './events.js';

/** A machine input without its timestamp. */
export type Unstamped = Input extends infer I ? (I extends Input ? Omit<I, 'at'> : never) : never;

export interface AppInstancesDeps {
  /** Spawns one instance (the prestarter's launch with --prestart). */
  launch(spec: InstanceSpec): Promise<Instance>;
  probe(check: ReadyCheck): ReadyProbe;
  watchdog(): Watchdog | null;
  /** Feeds the machine; the supervisor stamps the time. */
  dispatch(input: Unstamped): void;
  publish(event: PublicEvent): void;
  logger: Logger;
}

/**
 * The app's instances as the supervisor drives them: launch one, guard it with the watchdog,
 * turn its lifecycle (spawned, exited, gone) into machine inputs, report its readiness, and
 * signal or feed whichever is current.
 */
export class AppInstances {
  #current: Instance | null = null;
  #probe: ReadyProbe | undefined;
  /** Launches not yet resolved: an instance being spawned when Ctrl-Z comes is suspended too. */
  readonly #launching = new Set<Promise<unknown>>();

  constructor(private readonly deps: AppInstancesDeps) {}

  /** `spec` gets the readiness hooks added; `check` is `--ready`'s (if any). */
  launch(spec: (hooks: Pick<InstanceSpec, 'onOutputLine' | 'onEscaped'>) => InstanceSpec, check: ReadyCheck | undefined): void {
    const probe = check === undefined ? undefined : this.deps.probe(check);
    this.#probe = probe;
    // The leader's pid is known only once spawned; escaped processes are found by later scans.
    let leader: number | undefined;
    const hooks = {
      onOutputLine: check?.kind === 'output' ? (line: string) => probe?.line(line) : undefined,
      onEscaped: (pid: number, startTime: string | undefined) => {
        if (leader !== undefined) this.deps.watchdog()?.remember(leader, pid, startTime);
      },
    };
    const launched = this.deps.launch(spec(hooks));
    const tracked: Promise<void> = launched.then(
      () => void this.#launching.delete(tracked),
      () => void this.#launching.delete(tracked),
    );
    this.#launching.add(tracked);
    launched.then(
      (instance) => {
        leader = instance.pid;
        this.#adopt(instance, probe);
      },
      (error: unknown) => {
        probe?.cancel();
        const message = error instanceof Error ? error.message : String(error);
        const exitCode = error instanceof DevreloadError ? error.exitCode : 1;
        this.deps.dispatch({ type: 'spawnFailed', message, exitCode });
      },
    );
  }

  /** To the current instance's group and escaped descendants; `reached` runs if that was at least one process. */
  signal(signal: NodeJS.Signals, reached?: () => void): void {
    // Whatever the stopping instance does now, it is not becoming ready.
    this.#probe?.cancel();
    const instance = this.#current;
    if (instance === null) return;
    instance.signal(signal).then(
      (pids) => {
        this.deps.logger.verbose(`sent ${signal} to ${pids.length === 0 ? 'nothing (already gone)' : `pid ${pids.join(', ')}`}`);
        // After the scan and before `gone` (which waits for what was reached to exit).
        if (pids.length > 0) reached?.();
      },
      (error: unknown) => this.deps.logger.error(`could not signal the app: ${String(error)}`),
    );
  }

  /**
   * Ctrl-Z: stops (SIGSTOP) the current instance's processes, after any launch under way. Its
   * readiness probe goes on: time spent suspended is the user's, not the app's.
   */
  async suspend(): Promise<void> {
    await Promise.allSettled([...this.#launching]);
    await this.#signalQuietly('SIGSTOP');
  }

  /** `fg`/`bg`: continues (SIGCONT) what suspend() stopped. */
  resume(): Promise<void> {
    return this.#signalQuietly('SIGCONT');
  }

  async #signalQuietly(signal: NodeJS.Signals): Promise<void> {
    const pids = await this.#current?.signal(signal).catch((error: unknown) => {
      this.deps.logger.error(`could not send ${signal} to the app: ${String(error)}`);
      return [];
    });
    if (pids !== undefined) this.deps.logger.verbose(`sent ${signal} to ${pids.length === 0 ? 'nothing (already gone)' : `pid ${pids.join(', ')}`}`);
  }

  /** The current instance's leader, until every process of it is gone; null without one. */
  get currentPid(): number | null {
    return this.#current?.pid ?? null;
  }

  /** The current instance's leader and tag, if `pid` leads it. */
  instanceFor(pid: number): { leader: number; tag: string | undefined } | undefined {
    const current = this.#current;
    return current?.pid === pid ? { leader: current.pid, tag: current.tag } : undefined;
  }

  /** A line for the current instance's stdin. */
  write(line: string): void {
    this.#current?.write(line);
  }

  cancelProbe(): void {
    this.#probe?.cancel();
  }

  #adopt(instance: Instance, probe: ReadyProbe | undefined): void {
    this.#current = instance;
    this.deps.watchdog()?.watch(instance.pid);
    this.deps.dispatch({ type: 'spawned', pid: instance.pid });
    void probe?.ready.then((ms) => {
      if (ms === null) return;
      this.deps.logger.info(`ready in ${ms} ms`);
      this.deps.publish({ name: 'ready', payload: { pid: instance.pid, ms } });
    });
    void instance.exited.then((exit) => {
      probe?.cancel();
      this.deps.dispatch({ type: 'exited', exit });
    });
    const onGone = () => {
      this.deps.watchdog()?.unwatch(instance.pid);
      if (this.#current === instance) this.#current = null;
      this.deps.dispatch({ type: 'gone' });
    };
    instance.gone.then(onGone, (error: unknown) => {
      this.deps.logger.error(`could not confirm that every process of the app is gone: ${String(error)}`);
      onGone();
    });
  }
}
