/**
 * The vocabulary of the restart state machine: its states, the inputs the adapters feed it
 * and the effects it asks them to perform. Pure data; no I/O anywhere in `core/`.
 */

export type Signal = NodeJS.Signals;

/**
 * What asks devreload to stop: a signal it received, `api` (stop()), or `parent`: the process
 * that started it (or another process of the job it runs in, such as npm) went away.
 */
export type Trigger = Signal | 'api' | 'parent';

export interface ExitInfo {
  readonly code: number | null;
  readonly signal: Signal | null;
}

/** Changed paths collected for one restart: the first ones verbatim, the rest only counted. */
export interface Changes {
  readonly paths: readonly string[];
  readonly count: number;
}

/** A restart that is owed: what changed, when it was first asked for, and whether the quiet window has passed. */
export interface Pending {
  readonly changes: Changes;
  readonly since: number;
  readonly quiet: boolean;
  /** These changes were already built (`--build` succeeded): start the app, do not build again. */
  readonly built?: boolean;
  /**
   * A writer slower than the quiet window is still at work, so this restart waits the burst window
   * and folds the rest of it: the first change came within the burst window of a restart's spawn
   * (a generator running one process per file), or a package manager's manifest or lockfile
   * changed (changes.ts).
   */
  readonly burst?: boolean;
}

/** The instance that keeps serving while a build runs. */
export interface Serving {
  readonly pid: number;
  readonly since: number;
  readonly streak: number;
  /** It exited on its own during the build, or it is being stopped (shutdown): what is left of it is being stopped. */
  readonly exiting: boolean;
  readonly escalated: boolean;
  /** The signal its stop began with, while its leader still runs (null: not being stopped, or its leader has exited). */
  readonly sent: Signal | null;
}

/** A build (`--build`) under way. */
export interface Build {
  /** Null while it is being spawned. */
  readonly pid: number | null;
  /** When it started (its duration is reported). */
  readonly since: number;
  /** When the first change it builds arrived (the restart is timed from there). */
  readonly from: number;
  readonly changes: Changes | null;
  /** A change (or a shutdown) came while it ran: it is being stopped, its result does not count. */
  readonly cancelled: boolean;
  readonly escalated: boolean;
  /** The signal its cancel began with, while the step's leader still runs (null: not cancelled yet, or it has exited). */
  readonly sent: Signal | null;
}

/** An exit the app made on its own, and how many quick exits in a row it ends. */
export interface Crash {
  readonly exit: ExitInfo;
  readonly streak: number;
}

export type OnExit = 'wait' | 'restart' | 'quit';

export interface Shutdown {
  readonly trigger: Trigger;
  readonly since: number;
  readonly exitCode: number;
  /** One repeat of the trigger was already taken as the same request delivered twice (npm forwarding it). */
  readonly echoed: boolean;
}

export type State =
  | { readonly tag: 'idle' }
  | {
      readonly tag: 'starting';
      readonly pending: Pending | null;
      readonly shutdown: Shutdown | null;
      /** The restart this start completes: when it was first asked for and what it folds in. */
      readonly restart: { readonly from: number; readonly changes: Changes } | null;
      /** Consecutive quick exits before this instance (for --on-exit restart's backoff). */
      readonly streak: number;
    }
  | {
      readonly tag: 'running';
      readonly pid: number;
      readonly since: number;
      readonly streak: number;
      /** Started for changed files (not the first start, a crash restart or `rs`). */
      readonly restarted?: boolean;
    }
  | {
      readonly tag: 'stopping';
      readonly pid: number;
      readonly escalated: boolean;
      /**
       * The signal the stop began with, while the leader still runs; null once the leader has
       * exited (or when it had exited before the stop began: `crashed`, leftovers).
       */
      readonly sent: Signal | null;
      /** Set when the app exited on its own before we asked it to stop. */
      readonly crashed: Crash | null;
      readonly pending: Pending | null;
      readonly shutdown: Shutdown | null;
    }
  /**
   * `--build`: the build runs (or waits for the quiet window) while the last good instance, if
   * any, keeps serving; it is replaced only once the build succeeded.
   */
  | {
      readonly tag: 'building';
      readonly app: Serving | null;
      readonly build: Build | null;
      /** Changes that came after the running build started (they cancel it), or that wait for the quiet window. */
      readonly pending: Pending | null;
      readonly shutdown: Shutdown | null;
      /** The build at launch: if it fails there is no app yet, and `--on-exit quit` exits with its code. */
      readonly first: boolean;
    }
  /** No instance; a restart is owed once the quiet window passes. */
  | { readonly tag: 'settling'; readonly pending: Pending }
  /** No instance; the app exited on its own (or could not start) and we wait for a change. */
  | { readonly tag: 'waiting' }
  /** No instance; the app exited on its own and `--on-exit restart` brings it back when the backoff timer fires. */
  | { readonly tag: 'backoff'; readonly streak: number }
  | { readonly tag: 'done'; readonly exitCode: number };

export type Input =
  | { readonly type: 'start'; readonly at: number }
  | { readonly type: 'change'; readonly path: string; readonly at: number }
  | { readonly type: 'restart'; readonly at: number }
  | { readonly type: 'spawned'; readonly pid: number; readonly at: number }
  | { readonly type: 'spawnFailed'; readonly message: string; readonly exitCode: number; readonly at: number }
  | { readonly type: 'exited'; readonly exit: ExitInfo; readonly at: number }
  | { readonly type: 'gone'; readonly at: number }
  | { readonly type: 'timer'; readonly timer: TimerName; readonly at: number }
  | { readonly type: 'shutdown'; readonly trigger: Trigger; readonly at: number }
  | { readonly type: 'buildSpawned'; readonly pid: number; readonly at: number }
  /** The leader of the build step under way exited (what it started may still run). */
  | { readonly type: 'buildExited'; readonly at: number }
  /** The build's leader exited and every process of its group is gone; `exit` is the leader's. */
  | { readonly type: 'buildDone'; readonly exit: ExitInfo; readonly at: number }
  | { readonly type: 'buildSpawnFailed'; readonly message: string; readonly at: number };

/** Why an instance is being stopped: a restart, devreload's own shutdown, or what an app that exited left behind. */
export type StopReason = 'restart' | 'shutdown' | 'leftovers';

/**
 * Why devreload ends: the shutdown's trigger (a signal it received, `api` for stop(), `parent`
 * for the process that started it going away), the app's exit under `--on-exit quit`, a command
 * that cannot start, or a failed first build under `--on-exit quit`.
 */
export type ExitCause = Trigger | 'appExit' | 'spawnError' | 'buildFailed';

/** `notice`: a stop still under way this long after it began is described (what is left, when SIGKILL comes). */
export type TimerName = 'quiet' | 'kill' | 'backoff' | 'buildKill' | 'notice';

/** A process a stop still waits for, as the waiting line names it. */
export interface Remaining {
  readonly pid: number;
  /** Its command line (arguments joined by spaces), or its name when that is all the OS tells. */
  readonly command: string;
}

export type LogEvent =
  | { readonly kind: 'starting' }
  | { readonly kind: 'change'; readonly changes: Changes }
  | { readonly kind: 'stopping'; readonly pid: number; readonly signal: Signal; readonly reason: StopReason }
  | { readonly kind: 'escalating'; readonly pid: number; readonly afterMs: number }
  | { readonly kind: 'forcing'; readonly pid: number }
  /**
   * The leader (`pid`) of the app instance or build step being stopped exited after `after`;
   * what it left running (a non-interactive shell's `&` jobs ignore SIGINT) gets SIGTERM.
   */
  | { readonly kind: 'terminating'; readonly pid: number; readonly after: Signal; readonly target: 'app' | 'build' }
  /**
   * A stop takes long: what it still waits for, how long until SIGKILL (null: SIGKILL was sent
   * already), and whether a Ctrl-C now would force it (devreload is shutting down).
   */
  | { readonly kind: 'waiting'; readonly pid: number; readonly remaining: readonly Remaining[]; readonly killInMs: number | null; readonly canForce: boolean }
  /** `changes` is everything the restart folded in (null for the first start). */
  | { readonly kind: 'spawned'; readonly pid: number; readonly restartMs: number | null; readonly changes: Changes | null }
  | { readonly kind: 'spawnFailed'; readonly message: string; readonly fatal: boolean }
  /**
   * Not the machine's: the supervisor saw the instance become ready (it listens, or `--ready`'s
   * check passed). `ms`: from its spawn; `restartMs`: from the change (null for the first start);
   * `address`: where it was seen listening; `changes`: what the restart folded in, when this
   * line stands in for the `spawned` one (else null).
   */
  | { readonly kind: 'ready'; readonly pid: number; readonly ms: number; readonly restartMs: number | null; readonly address: string | null; readonly changes: Changes | null }
  /**
   * The app exited on its own. `next` says what follows: wait for a change, restart after
   * `retryInMs` (`--on-exit restart`; `streak` counts quick exits in a row), quit, or a
   * restart for changes that arrived meanwhile (`change`).
   */
  | { readonly kind: 'exited'; readonly exit: ExitInfo; readonly next: OnExit | 'change'; readonly streak: number; readonly retryInMs: number | null }
  | { readonly kind: 'shutdown'; readonly trigger: Trigger }
  /** `--postpone`: nothing starts before the first change. */
  | { readonly kind: 'postponed' }
  | { readonly kind: 'building'; readonly changes: Changes | null }
  | { readonly kind: 'built'; readonly ms: number }
  /** `keeping`: the instance that goes on serving, if any. */
  | { readonly kind: 'buildFailed'; readonly exit: ExitInfo; readonly ms: number; readonly keeping: number | null; readonly message: string | null }
  | { readonly kind: 'buildCancelled'; readonly pid: number | null; readonly reason: 'change' | 'shutdown' };

export type Effect =
  | { readonly type: 'spawn'; readonly changes: Changes | null }
  /**
   * A start for changes became owed (`MachineConfig.prepare`): it comes once the old instance is
   * gone and the quiet window has passed, or the run ends first. What needs no user code (a
   * runtime booting) may begin now; the start itself still waits for `spawn`.
   */
  | { readonly type: 'prepare' }
  /**
   * To the app instance (default) or to the running build. `ifReached`: announced (logged and
   * published) only if the signal reached a process; stopping what an app that exited on its
   * own left behind may find nothing, and then there is no stop to report.
   */
  | { readonly type: 'signal'; readonly signal: Signal; readonly target?: 'app' | 'build'; readonly ifReached?: LogEvent }
  /** `--build`: run the build steps, for these changes (null at launch). */
  | { readonly type: 'build'; readonly changes: Changes | null }
  | { readonly type: 'setTimer'; readonly timer: TimerName; readonly ms: number }
  /**
   * A stop takes long: find what is left of the instances led by `leaders` (the app's, a build's)
   * and announce it as a `waiting` event (its `pid` is the first leader's) with these fields.
   */
  | { readonly type: 'describeStop'; readonly leaders: readonly number[]; readonly killInMs: number | null; readonly canForce: boolean }
  | { readonly type: 'clearTimer'; readonly timer: TimerName }
  | { readonly type: 'log'; readonly event: LogEvent }
  | { readonly type: 'exit'; readonly code: number; readonly cause: ExitCause };

export interface MachineConfig {
  /** Signal that asks the app to stop before a restart. */
  readonly stopSignal: Signal;
  /** How long a stop may take before SIGKILL. */
  readonly killTimeout: number;
  /** Quiet window: no relevant change for this long before a new instance starts. */
  readonly delay: number;
  /** From this many changed files on, a restart is a burst and waits at least `burstDelay`. */
  readonly burstThreshold: number;
  readonly burstDelay: number;
  /** A repeated shutdown signal within this window is the same request delivered twice (see steps.ts). */
  readonly duplicateSignalWindow: number;
  /** A stop still under way this long after it began gets one line saying what it waits for. */
  readonly stopNotice: number;
  /** How many changed paths a restart remembers verbatim. */
  readonly maxRecordedChanges: number;
  /** What to do when the app exits on its own. */
  readonly onExit: OnExit;
  /** --on-exit restart: first retry delay, doubled per quick exit in a row, up to `backoffMax`. */
  readonly backoffBase: number;
  readonly backoffMax: number;
  /** An instance that ran at least this long before exiting resets the streak. */
  readonly stableAfter: number;
  /** `--build` is configured: every start for changes is preceded by a successful build. */
  readonly build: boolean;
  /** `--postpone`: nothing starts before the first change. */
  readonly postpone: boolean;
  /** Announce each owed start for changes with a `prepare` effect (never with `build`: the build decides when). */
  readonly prepare: boolean;
}

export interface Transition {
  readonly state: State;
  readonly effects: readonly Effect[];
}
