import type { Input, LogEvent } from '../core/types.js';
import { DevreloadError } from '../errors.js';
import type { Logger } from '../log/logger.js';
import type { Instance, InstanceSpec } from '../process/instance.js';
import type { Watchdog } from '../process/watchdog.js';
import type { ProbeOptions, ProbeResult, ReadyProbe } from '../socket/ready.js';
import type { ReadyCheck } from '../socket/ready-target.js';
import { listenLook } from '../tuning.js';
import { ReadyLines } from './ready-lines.js';

/** A machine input without its timestamp. */
export type Unstamped = Input extends infer I ? (I extends Input ? Omit<I, 'at'> : never) : never;

export interface AppInstancesDeps {
  /** Spawns one instance (the prestarter's launch with --prestart). */
  launch(spec: InstanceSpec): Promise<Instance>;
  probe(check: ReadyCheck, options: Pick<ProbeOptions, 'leader'>): ReadyProbe;
  watchdog(): Watchdog | null;
  /** Feeds the machine; the supervisor stamps the time. */
  dispatch(input: Unstamped): void;
  /** Emits (and with --json prints) an event that was already logged. */
  announce(event: LogEvent): void;
  /** The supervisor's monotonic time, and a one-shot timer on the same clock. */
  now(): number;
  after(ms: number, fire: () => void): () => void;
  logger: Logger;
}

/** When the `spawned` line of the current instance was logged, and what it said. */
interface SpawnedLine {
  readonly event: Extract<LogEvent, { kind: 'spawned' }>;
  readonly at: number;
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
  readonly #lines: ReadyLines;
  /** The check of the instance launched last (the same for a whole run). */
  #check: ReadyCheck | undefined;
  /** By default (`listen`), readiness is expected once an instance was seen listening, until one is not. */
  #listened = false;
  #spawned: SpawnedLine | null = null;
  /** The current instance's probe, once the instance is adopted, and when it was launched. */
  #probed: { readonly instance: Instance; readonly probe: ReadyProbe; readonly launchedAt: number } | null = null;
  /** Probes whose outcome was acted on (by lastLook() or when `ready` resolved): once only. */
  readonly #heard = new WeakSet<ReadyProbe>();
  /** An instance found ready before its `spawned` line came (its inputs waited: Ctrl-Z). */
  #early: { readonly instance: Instance; readonly result: Extract<ProbeResult, { outcome: 'ready' }>; readonly at: number } | null = null;

  constructor(private readonly deps: AppInstancesDeps) {
    this.#lines = new ReadyLines({ logger: deps.logger, after: deps.after, holdMs: listenLook.giveUpMs });
  }

  /**
   * A machine event for the log. A restart's `restarted in` line, measured to the spawn, waits
   * for the instance's readiness when it is expected, and is replaced by `ready in`.
   */
  log(event: LogEvent): void {
    if (event.kind !== 'spawned') return this.#lines.event(event, false);
    this.#spawned = { event, at: this.deps.now() };
    const expected = this.#check !== undefined && (this.#check.kind !== 'listen' || this.#listened);
    this.#lines.event(event, expected);
    const early = this.#early;
    this.#early = null;
    if (early?.instance.pid === event.pid) this.#ready(early.instance, early.result, early.at);
  }

  /** `spec` gets the readiness hooks added; `check` is how readiness is seen (none: not reported). */
  launch(spec: (hooks: Pick<InstanceSpec, 'onOutputLine' | 'onEscaped'>) => InstanceSpec, check: ReadyCheck | undefined): void {
    this.#check = check;
    const launchedAt = this.deps.now();
    let settleLeader!: { resolve: (pid: number) => void; reject: (error: unknown) => void };
    const leaderPid = new Promise<number>((resolve, reject) => (settleLeader = { resolve, reject }));
    leaderPid.catch(() => undefined);
    // Started before the spawn (its time counts from there); a `listen` check waits for the leader's pid.
    const probe = check === undefined ? undefined : this.deps.probe(check, { leader: leaderPid });
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
        settleLeader.resolve(instance.pid);
        this.#adopt(instance, probe, launchedAt);
      },
      (error: unknown) => {
        probe?.cancel();
        settleLeader.reject(error);
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
        this.deps.logger.verbose(sentLine(signal, pids));
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
    if (pids !== undefined) this.deps.logger.verbose(sentLine(signal, pids));
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

  /**
   * The current instance is about to be told to stop. Its probe settles first, and a `listen`
   * check looks once more: an instance that began listening since the last look (they are a tenth
   * of its start-up time apart) was ready, and its `ready in` line comes before the stop's.
   */
  lastLook(): void {
    const probe = this.#probe;
    if (probe === undefined) return;
    const result = probe.settleNow();
    const probed = this.#probed;
    // Not adopted yet (still being spawned): #adopt hears the outcome from `ready`.
    if (probed?.probe === probe) this.#heardFrom(probed.instance, probe, result, probed.launchedAt);
  }

  /** Instance ready `at`: `ready in N ms`, from the change that restarted it (or from its launch). */
  #ready(instance: Instance, result: Extract<ProbeResult, { outcome: 'ready' }>, at: number): void {
    const spawned = this.#spawned;
    if (spawned === null || spawned.event.pid !== instance.pid) return;
    const restartMs = spawned.event.restartMs === null ? null : spawned.event.restartMs + (at - spawned.at);
    const held = this.#lines.heldFor(instance.pid);
    const event: LogEvent = { kind: 'ready', pid: instance.pid, ms: result.ms, restartMs, address: result.address, changes: held?.changes ?? null };
    this.#lines.ready(event);
    this.deps.announce(event);
  }

  /** What `probe` (of `instance`) found, acted on once, whether lastLook() or `ready` told it first. */
  #heardFrom(instance: Instance, probe: ReadyProbe, result: ProbeResult, launchedAt: number): void {
    if (this.#heard.has(probe)) return;
    this.#heard.add(probe);
    if (result.outcome === 'cancelled') return;
    if (result.outcome === 'gaveUp') {
      // Not seen listening: the next restart's line no longer waits for it.
      this.#listened = false;
      if (this.#lines.heldFor(instance.pid) !== undefined) this.#lines.flush();
      return;
    }
    const at = this.deps.now();
    if (this.#check?.kind === 'listen') this.#listened = true;
    if (this.#spawned?.event.pid !== instance.pid) this.#early = { instance, result: { ...result, ms: at - launchedAt }, at };
    else this.#ready(instance, { ...result, ms: at - launchedAt }, at);
  }

  #adopt(instance: Instance, probe: ReadyProbe | undefined, launchedAt: number): void {
    this.#current = instance;
    this.deps.watchdog()?.watch(instance.pid);
    this.deps.dispatch({ type: 'spawned', pid: instance.pid });
    if (probe !== undefined) {
      this.#probed = { instance, probe, launchedAt };
      void probe.ready.then((result) => this.#heardFrom(instance, probe, result, launchedAt));
    }
    void instance.exited.then((exit) => {
      probe?.cancel();
      this.deps.dispatch({ type: 'exited', exit });
    });
    const onGone = () => {
      this.deps.watchdog()?.unwatch(instance.pid);
      if (this.#current === instance) this.#current = null;
      if (this.#probed?.instance === instance) this.#probed = null;
      this.deps.dispatch({ type: 'gone' });
    };
    instance.gone.then(onGone, (error: unknown) => {
      this.deps.logger.error(`could not confirm that every process of the app is gone: ${String(error)}`);
      onGone();
    });
  }
}

/** --verbose: what a signal reached (after Ctrl-C, the SIGTERM for what the app left usually finds nothing). */
function sentLine(signal: NodeJS.Signals, pids: readonly number[]): string {
  return pids.length === 0 ? `${signal}: no process of the app left to send it to` : `sent ${signal} to pid ${pids.join(', ')}`;
}
