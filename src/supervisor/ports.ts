import type { Clock } from '../clock.js';
import type { ResolvedOptions } from '../options/resolve.js';
import { appProcess } from '../process/app-process.js';
import { startInstance, type Instance, type InstanceSpec } from '../process/instance.js';
import { openForWriting, type OpenFile } from '../process/open-for-writing.js';
import type { ChangeSource, WatchRequest } from './watch-request.js';
import { startWatchdog, type Watchdog, type WatchdogOptions } from '../process/watchdog.js';
import { listenSockets, type ListenSocketsOptions, type SocketSet } from '../socket/listen.js';
import { probeReady, type ProbeOptions, type ReadyProbe } from '../socket/ready.js';
import type { ReadyCheck } from '../socket/ready-target.js';
import type { Remaining } from '../core/types.js';
import { parentCheckMs } from '../tuning.js';
import { readControls, type ControlHandlers, type Controls } from './controls.js';
import { onSuspendRequest, stopSelf } from './job-control.js';
import { remainingProcesses } from './remaining.js';
import { watchParent, type ParentWatchHandlers } from './parent-watch.js';
import { onShutdownSignals, type ShutdownSignal } from './signals.js';
import { signalsForwardedByParent } from './forwarding-parent.js';
import { startDevProxy, type DevProxy, type DevProxyOptions } from '../proxy/dev-proxy.js';

export type { Clock } from '../clock.js';

// In a file of their own: watch-changes.ts (loaded on demand by `watch` below) needs them too.
export type { ChangeSource, WatchRequest } from './watch-request.js';

/**
 * Every OS-facing part the supervisor uses, as one object (watchexec's supervisor is tested
 * the same way against a recording fake child). The real ones are `realPorts`; tests of the
 * effect runner pass fakes and spawn nothing.
 */
export interface SupervisorPorts {
  /** Spawns one app instance in its own session and process group. */
  launch(spec: InstanceSpec): Promise<Instance>;
  /** The process that stops the app's groups if devreload itself is SIGKILLed. */
  watchdog(options: WatchdogOptions): Watchdog;
  /** Binds `--socket` addresses before anything runs. */
  listen(specs: ResolvedOptions['sockets'], options: ListenSocketsOptions): Promise<SocketSet>;
  /** Starts probing one instance for readiness, just before it is spawned (`leader`: its pid, once it is). */
  probe(check: ReadyCheck, options: Pick<ProbeOptions, 'leader'>): ReadyProbe;
  /** `--proxy`: binds the dev proxy's port (rejects with a DevreloadError when it cannot) and has it follow the supervisor's events. */
  proxy(options: DevProxyOptions): Promise<DevProxy>;
  /** Creates the watcher; rejects (a bad glob, an unreadable .gitignore) before anything is watched. */
  watch(request: WatchRequest): Promise<ChangeSource>;
  clock: Clock;
  /** `rs` and lines for the app. */
  controls(handlers: ControlHandlers): Controls;
  /** devreload's own SIGINT/SIGTERM/SIGHUP; returns the disposer. */
  signals(handler: (signal: ShutdownSignal) => void): () => void;
  /** Whether devreload's parent passes the terminal's Ctrl-C on to it too (`npm run`): each press may arrive twice. */
  signalsForwarded(): boolean;
  /** Follows devreload's parent and the top of the job it runs in (parent-watch.ts); returns the disposer. */
  parentGone(handlers: ParentWatchHandlers): () => void;
  /** Ctrl-Z (SIGTSTP) sent to devreload; returns the disposer. */
  suspendRequests(handler: () => void): () => void;
  /** Stops devreload itself; returns once it was continued (`fg`, `bg`). */
  stopSelf(): void;
  /** The files the instance led by `leader` holds open for writing (Linux; elsewhere none). */
  openForWriting(leader: number): readonly OpenFile[];
  /** The processes left of the instance led by `leader` (and carrying its `tag`), with their command lines. */
  remaining(leader: number, tag: string | undefined): Promise<Remaining[]>;
  /** The process running the app's own code in the instance led by `leader` (past tsx, a shell, npm). */
  appProcess(leader: number): number;
  /** devreload's stdout (its TTY-ness decides colours for piped app output). */
  stdout: NodeJS.WriteStream | (NodeJS.WritableStream & { isTTY?: boolean });
  /** Where devreload's own lines go. */
  stderr: NodeJS.WritableStream & { isTTY?: boolean };
}

/** Node runs due timers before it reads pending I/O: one hop to the check phase lets file
 * events that already arrived reset the quiet window before it is acted on. */
function afterIo(ms: number, fire: () => void): () => void {
  let immediate: NodeJS.Immediate | undefined;
  const timer = setTimeout(() => {
    immediate = setImmediate(fire);
  }, ms);
  return () => {
    clearTimeout(timer);
    if (immediate !== undefined) clearImmediate(immediate);
  };
}

export const realClock: Clock = {
  now: () => performance.now(),
  wall: () => Date.now(),
  after: afterIo,
};

/** The real adapters, bound to this process's stdio and signals. */
export function realPorts(): SupervisorPorts {
  return {
    launch: startInstance,
    watchdog: startWatchdog,
    listen: listenSockets,
    probe: (check, options) => probeReady(check, options),
    proxy: startDevProxy,
    // Loaded on demand, after the first spawn: chokidar and the ignore rules are half of the
    // CLI's code, and the app needs none of it to start.
    watch: async (request) => {
      const { watchChanges } = await import('./watch-changes.js');
      return watchChanges(request);
    },
    clock: realClock,
    controls: (handlers) => readControls(process.stdin, handlers),
    signals: onShutdownSignals,
    signalsForwarded: signalsForwardedByParent,
    parentGone: (handlers) => watchParent(parentCheckMs, handlers),
    suspendRequests: onSuspendRequest,
    stopSelf,
    openForWriting: (leader) => openForWriting(leader),
    remaining: (leader, tag) => remainingProcesses(leader, tag),
    appProcess,
    stdout: process.stdout,
    stderr: process.stderr,
  };
}
