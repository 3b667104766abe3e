/**
 * The vocabulary of the restart state machine: its states, the inputs the adapters feed it
 * and the effects it asks them to perform. Pure data; no I/O anywhere in `core/`.
 */

export type Signal = NodeJS.Signals;

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
}

/** An exit the app made on its own, and how many quick exits in a row it ends. */
export interface Crash {
  readonly exit: ExitInfo;
  readonly streak: number;
}

export type OnExit = 'wait' | 'restart' | 'quit';

export interface Shutdown {
  /** What devreload received (or 'api' for a programmatic stop). */
  readonly trigger: Signal | 'api';
  readonly since: number;
  readonly exitCode: number;
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
  | { readonly tag: 'running'; readonly pid: number; readonly since: number; readonly streak: number }
  | {
      readonly tag: 'stopping';
      readonly pid: number;
      readonly escalated: boolean;
      /** Set when the app exited on its own before we asked it to stop. */
      readonly crashed: Crash | null;
      readonly pending: Pending | null;
      readonly shutdown: Shutdown | null;
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
  | { readonly type: 'shutdown'; readonly trigger: Signal | 'api'; readonly at: number };

/** Why an instance is being stopped: a restart, devreload's own shutdown, or what an app that exited left behind. */
export type StopReason = 'restart' | 'shutdown' | 'leftovers';

export type TimerName = 'quiet' | 'kill' | 'backoff';

export type LogEvent =
  | { readonly kind: 'starting' }
  | { readonly kind: 'change'; readonly changes: Changes }
  | { readonly kind: 'stopping'; readonly pid: number; readonly signal: Signal; readonly reason: StopReason }
  | { readonly kind: 'escalating'; readonly pid: number; readonly afterMs: number }
  | { readonly kind: 'forcing'; readonly pid: number }
  /** `changes` is everything the restart folded in (null for the first start). */
  | { readonly kind: 'spawned'; readonly pid: number; readonly restartMs: number | null; readonly changes: Changes | null }
  | { readonly kind: 'spawnFailed'; readonly message: string; readonly fatal: boolean }
  /**
   * The app exited on its own. `next` says what follows: wait for a change, restart after
   * `retryInMs` (`--on-exit restart`; `streak` counts quick exits in a row), quit, or a
   * restart for changes that arrived meanwhile (`change`).
   */
  | { readonly kind: 'exited'; readonly exit: ExitInfo; readonly next: OnExit | 'change'; readonly streak: number; readonly retryInMs: number | null }
  | { readonly kind: 'shutdown'; readonly trigger: Signal | 'api' };

export type Effect =
  | { readonly type: 'spawn'; readonly changes: Changes | null }
  | { readonly type: 'signal'; readonly signal: Signal }
  | { readonly type: 'setTimer'; readonly timer: TimerName; readonly ms: number }
  | { readonly type: 'clearTimer'; readonly timer: TimerName }
  | { readonly type: 'log'; readonly event: LogEvent }
  | { readonly type: 'exit'; readonly code: number };

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
  /** A repeated shutdown signal within this window is the same request delivered twice (see machine.ts). */
  readonly duplicateSignalWindow: number;
  /** How many changed paths a restart remembers verbatim. */
  readonly maxRecordedChanges: number;
  /** What to do when the app exits on its own. */
  readonly onExit: OnExit;
  /** --on-exit restart: first retry delay, doubled per quick exit in a row, up to `backoffMax`. */
  readonly backoffBase: number;
  readonly backoffMax: number;
  /** An instance that ran at least this long before exiting resets the streak. */
  readonly stableAfter: number;
}

export interface Transition {
  readonly state: State;
  readonly effects: readonly Effect[];
}
