import type { ExitInfo, Instance, InstanceSpec } from '../process/instance.js';
import type { Watchdog } from '../process/watchdog.js';

export interface BuildRunDeps {
  launch(spec: InstanceSpec): Promise<Instance>;
  watchdog(): Watchdog | null;
  /** The spec for one step: `sh -c <line>` with the app's environment and DEVRELOAD_CHANGED. */
  spec(line: string): InstanceSpec;
  /** The first step is running. */
  spawned(pid: number): void;
  /** A step's leader exited (what it started may still run). */
  exited(): void;
  /** The first step could not be started at all. */
  spawnFailed(message: string): void;
  /** Every process of the last step that ran is gone; `exit` is that step's (0: all succeeded). */
  done(exit: ExitInfo): void;
  /** A step exited and left processes running (a daemon, a `&` job): they are being stopped. */
  leftovers(line: string, pids: readonly number[]): void;
  /** Stop signal and kill timeout for what a step left running. */
  readonly stopSignal: NodeJS.Signals;
  readonly killTimeout: number;
  /** Runs `fire` after `ms`; returns the canceller. */
  after(ms: number, fire: () => void): () => void;
}

/**
 * One build: its steps in order, each an instance of its own (own session and group, watched
 * by the watchdog, stopped with the ordinary sequence), the next only once every process of the
 * previous one is gone and it succeeded.
 */
export class BuildRun {
  #current: Instance | null = null;
  /** The first step's pid: the build's, as the state machine knows it. */
  #first: number | null = null;
  /** The last stop signal sent: no further step starts, and a step still spawning gets it at once. */
  #stopped: NodeJS.Signals | null = null;
  /** A step being launched: Ctrl-Z waits for it, so that it is suspended too. */
  #launching: Promise<unknown> | null = null;

  constructor(
    private readonly steps: readonly string[],
    private readonly deps: BuildRunDeps,
  ) {}

  start(): void {
    void this.#run();
  }

  /** Sends `signal` to the step under way (its group and escaped descendants); `reached` runs if that was at least one process. */
  signal(signal: NodeJS.Signals, reached?: () => void): void {
    this.#stopped = signal;
    void this.#current?.signal(signal).then((pids) => pids.length > 0 && reached?.(), () => undefined);
  }

  /**
   * The step under way (its leader and tag), if `pid` is this build's: the state machine knows a
   * build by its first step's pid, and a later step is an instance of its own.
   */
  stepFor(pid: number): { leader: number; tag: string | undefined } | undefined {
    const current = this.#current;
    return current !== null && (pid === this.#first || pid === current.pid) ? { leader: current.pid, tag: current.tag } : undefined;
  }

  /** Ctrl-Z: SIGSTOP to the step under way (and to one being launched), without ending the build. */
  async suspend(): Promise<void> {
    await this.#launching?.catch(() => undefined);
    await this.#current?.signal('SIGSTOP').catch(() => []);
  }

  /** `fg`/`bg`: SIGCONT to the step under way. */
  async resume(): Promise<void> {
    await this.#current?.signal('SIGCONT').catch(() => []);
  }

  async #stopLeftovers(step: Instance, line: string): Promise<void> {
    const reached = await step.signal(this.deps.stopSignal).catch((): number[] => []);
    if (reached.length === 0) return;
    this.deps.leftovers(line, reached);
    const cancel = this.deps.after(this.deps.killTimeout, () => void step.signal('SIGKILL').catch(() => []));
    void step.gone.finally(cancel);
  }

  async #run(): Promise<void> {
    let exit: ExitInfo = { code: 0, signal: null };
    for (const [index, line] of this.steps.entries()) {
      if (this.#stopped !== null) {
        exit = { code: null, signal: this.#stopped };
        break;
      }
      let step: Instance;
      try {
        const launching = this.deps.launch(this.deps.spec(line));
        this.#launching = launching;
        step = await launching;
      } catch (error) {
        this.#launching = null;
        const message = error instanceof Error ? error.message : String(error);
        if (index === 0) return this.deps.spawnFailed(message);
        // As a shell reports a command it cannot run.
        exit = { code: 127, signal: null };
        break;
      }
      this.#launching = null;
      this.#current = step;
      // A build reads no input: EOF at once, so a tool that asks a question does not hang.
      step.closeStdin();
      this.deps.watchdog()?.watch(step.pid);
      if (index === 0) {
        this.#first = step.pid;
        this.deps.spawned(step.pid);
      }
      if (this.#stopped !== null) void step.signal(this.#stopped).catch(() => []);
      // The step's own exit decides the outcome. What it left running (a tool's daemon, a `&`
      // job) is not waited for, it is stopped: a build that never ends would hold the app back,
      // and one left running would be an orphan of devreload's.
      exit = await step.exited.catch((): ExitInfo => ({ code: null, signal: null }));
      this.deps.exited();
      if (this.#stopped === null) await this.#stopLeftovers(step, line);
      await step.gone.catch(() => undefined);
      this.deps.watchdog()?.unwatch(step.pid);
      this.#current = null;
      if (exit.code !== 0) break;
    }
    this.deps.done(exit);
  }
}

export interface BuildsDeps extends Pick<BuildRunDeps, 'leftovers' | 'stopSignal' | 'killTimeout' | 'after' | 'exited'> {
  readonly steps: readonly string[];
  readonly cwd: string;
  /** `--json`: devreload's stdout carries events, so the build's goes to stderr. */
  readonly json: boolean;
  readonly copyTo: NonNullable<InstanceSpec['copyTo']>;
  launch(spec: InstanceSpec): Promise<Instance>;
  watchdog(): Watchdog | null;
  /** Every line a step prints (`--proxy` shows a failed build's last ones); the output still reaches devreload's own. */
  readonly onOutputLine?: (line: string) => void;
  /** Called with each build's outcome, for the state machine. */
  spawned(pid: number): void;
  spawnFailed(message: string): void;
  done(exit: ExitInfo): void;
}

/** `--build` as the supervisor drives it: at most one build at a time, the latest one signalled. */
export class Builds {
  #current: BuildRun | null = null;

  constructor(private readonly deps: BuildsDeps) {}

  /** Starts a build with this environment (the app's, with DEVRELOAD_CHANGED). */
  start(env: NodeJS.ProcessEnv): void {
    const { deps } = this;
    const run: BuildRun = new BuildRun(deps.steps, {
      launch: deps.launch,
      watchdog: deps.watchdog,
      leftovers: deps.leftovers,
      stopSignal: deps.stopSignal,
      killTimeout: deps.killTimeout,
      after: deps.after,
      exited: deps.exited,
      // The user's own command line: through the shell, as npm scripts run. Changed paths are
      // only ever in the environment, never in the command line.
      spec: (line) => ({ command: 'sh', args: ['-c', line], cwd: deps.cwd, env, stdoutToStderr: deps.json, copyTo: deps.copyTo, onOutputLine: deps.onOutputLine }),
      spawned: deps.spawned,
      spawnFailed: (message) => {
        if (this.#current === run) this.#current = null;
        deps.spawnFailed(message);
      },
      done: (exit) => {
        if (this.#current === run) this.#current = null;
        deps.done(exit);
      },
    });
    this.#current = run;
    run.start();
  }

  signal(signal: NodeJS.Signals, reached?: () => void): void {
    this.#current?.signal(signal, reached);
  }

  stepFor(pid: number): { leader: number; tag: string | undefined } | undefined {
    return this.#current?.stepFor(pid);
  }

  suspend(): Promise<void> {
    return this.#current?.suspend() ?? Promise.resolve();
  }

  resume(): Promise<void> {
    return this.#current?.resume() ?? Promise.resolve();
  }
}
