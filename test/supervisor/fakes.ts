import { PassThrough } from 'node:stream';
import type { ExitInfo, Instance, InstanceSpec } from '../../src/process/instance.js';
import type { Watchdog } from '../../src/process/watchdog.js';
import type { ChangeSource, Clock, SupervisorPorts, WatchRequest } from '../../src/supervisor/ports.js';

/** A clock that moves only when the test says so; timers fire in due order. */
export class FakeClock implements Clock {
  current = 1000;
  #timers: Array<{ at: number; fire: () => void; id: number }> = [];
  #nextId = 0;

  now = (): number => this.current;
  wall = (): number => 1_700_000_000_000 + this.current;
  after = (ms: number, fire: () => void): (() => void) => {
    const id = this.#nextId++;
    this.#timers.push({ at: this.current + ms, fire, id });
    return () => {
      this.#timers = this.#timers.filter((timer) => timer.id !== id);
    };
  };

  /** Timers set and neither fired nor cancelled. */
  get pending(): number {
    return this.#timers.length;
  }

  async advance(ms: number): Promise<void> {
    const until = this.current + ms;
    for (;;) {
      const due = this.#timers.filter((timer) => timer.at <= until).sort((a, b) => a.at - b.at || a.id - b.id)[0];
      if (due === undefined) break;
      this.#timers = this.#timers.filter((timer) => timer !== due);
      this.current = due.at;
      due.fire();
      await settle();
    }
    this.current = until;
    await settle();
  }
}

/** Lets promise callbacks (the adapters' `then`s) run. */
export async function settle(): Promise<void> {
  for (let i = 0; i < 10; i += 1) await new Promise<void>((resolve) => setImmediate(resolve));
}

/** A recording fake child, in the spirit of watchexec's testchild: it does what the test says. */
export class FakeInstance implements Instance {
  readonly signals: NodeJS.Signals[] = [];
  readonly written: string[] = [];
  readonly exited: Promise<ExitInfo>;
  readonly gone: Promise<ExitInfo>;
  #exit!: (info: ExitInfo) => void;
  #gone!: (info: ExitInfo) => void;
  #info: ExitInfo | undefined;
  #isGone = false;
  /**
   * After its leader exits, what it started (a shell's `&` jobs, which ignore SIGINT) stays until
   * SIGTERM or SIGKILL reaches it; false: everything exits with the leader.
   */
  lingers = false;

  constructor(
    readonly pid: number,
    readonly spec: InstanceSpec,
    /** Exit as soon as a stop signal arrives (a well-behaved app); false = only the test ends it. */
    public obeys: boolean,
  ) {
    this.exited = new Promise((resolve) => (this.#exit = resolve));
    this.gone = new Promise((resolve) => (this.#gone = resolve));
  }

  async signal(signal: NodeJS.Signals): Promise<number[]> {
    // Every process exited: the signal reaches nothing (a real scan finds an empty group).
    if (this.#isGone || (this.#info !== undefined && !this.lingers)) return [];
    this.signals.push(signal);
    if (this.#info !== undefined) {
      if (signal === 'SIGTERM' || signal === 'SIGKILL') queueMicrotask(() => this.#goneNow());
      return [this.pid];
    }
    // Job control (Ctrl-Z, fg) stops and continues it; any other signal ends it.
    const ends = signal !== 'SIGSTOP' && signal !== 'SIGCONT';
    if (this.obeys && ends) queueMicrotask(() => this.die({ code: null, signal }));
    return [this.pid];
  }

  write(data: string | Uint8Array): void {
    this.written.push(String(data));
  }

  closeStdin(): void {}

  /** The leader exits, and with it every process of the instance (unless it `lingers`). */
  die(info: ExitInfo = { code: 0, signal: null }): void {
    if (this.#info !== undefined) return;
    this.#info = info;
    this.#exit(info);
    if (!this.lingers) queueMicrotask(() => this.#goneNow());
  }

  #goneNow(): void {
    if (this.#isGone || this.#info === undefined) return;
    this.#isGone = true;
    this.#gone(this.#info);
  }
}

/** Launches fake instances; a test may make the next launch fail. */
export class FakeLauncher {
  readonly instances: FakeInstance[] = [];
  readonly specs: InstanceSpec[] = [];
  #nextPid = 100;
  #failures: Error[] = [];
  #held: Array<() => void> = [];
  /** Hold launches until `release()` (a spawn that takes time). */
  hold = false;
  obeys = true;

  failNext(error: Error): void {
    this.#failures.push(error);
  }

  release(): void {
    for (const go of this.#held.splice(0)) go();
  }

  get last(): FakeInstance {
    const instance = this.instances.at(-1);
    if (instance === undefined) throw new Error('nothing was launched');
    return instance;
  }

  launch = (spec: InstanceSpec): Promise<Instance> => {
    this.specs.push(spec);
    const failure = this.#failures.shift();
    const result = (): Promise<Instance> => {
      if (failure !== undefined) return Promise.reject(failure);
      const instance = new FakeInstance(this.#nextPid++, spec, this.obeys);
      this.instances.push(instance);
      return Promise.resolve(instance);
    };
    if (!this.hold) return result();
    return new Promise((resolve) => this.#held.push(() => resolve(result()))).then((launched) => launched as Instance);
  };
}

export class FakeWatchdog implements Watchdog {
  readonly lines: string[] = [];
  closed = false;
  watch(leader: number): void {
    this.lines.push(`+${leader}`);
  }
  unwatch(leader: number): void {
    this.lines.push(`-${leader}`);
  }
  remember(leader: number, pid: number, startTime: string | undefined): void {
    this.lines.push(`=${leader} ${pid} ${startTime ?? '-'}`);
  }
  close(): void {
    this.closed = true;
  }
}

export class FakeWatcher implements ChangeSource {
  request: WatchRequest | undefined;
  closed = false;
  readonly ready = Promise.resolve();
  close(): Promise<void> {
    this.closed = true;
    return Promise.resolve();
  }
  /** A relevant file changed. */
  change(file: string): void {
    if (this.request === undefined) throw new Error('the supervisor created no watcher');
    this.request.onChange(file);
  }
}

/** Every port faked: nothing here touches the OS. */
export function fakePorts() {
  const clock = new FakeClock();
  const launcher = new FakeLauncher();
  const watchdog = new FakeWatchdog();
  const watcher = new FakeWatcher();
  const stderr = new PassThrough();
  const log: string[] = [];
  stderr.on('data', (chunk: Buffer) => log.push(...chunk.toString('utf8').split('\n').filter((line) => line !== '')));
  const disposed = { signals: 0, controls: 0, suspend: 0, parent: 0 };
  let shutdownHandler: ((signal: 'SIGINT' | 'SIGTERM' | 'SIGHUP') => void) | undefined;
  let parentHandler: ((pid: number) => void) | undefined;
  let suspendHandler: (() => void) | undefined;
  /** What happens while devreload is stopped (the test's `fg`): runs inside stopSelf(). */
  const job = { stops: 0, rechecks: 0, whileStopped: (): void => undefined };
  const ports: SupervisorPorts = {
    launch: launcher.launch,
    watchdog: () => watchdog,
    listen: () => Promise.reject(new Error('no sockets in these tests')),
    proxy: () => Promise.reject(new Error('no proxy in these tests')),
    probe: () => ({ ready: new Promise(() => {}), line: () => {}, cancel: () => {}, settleNow: () => ({ outcome: 'cancelled' }) }),
    watch: (request) => {
      watcher.request = request;
      return Promise.resolve(watcher);
    },
    clock,
    controls: () => ({
      recheck: () => {
        job.rechecks += 1;
      },
      close: () => {
        disposed.controls += 1;
      },
    }),
    suspendRequests: (handler) => {
      suspendHandler = handler;
      return () => {
        disposed.suspend += 1;
      };
    },
    stopSelf: () => {
      job.stops += 1;
      job.whileStopped();
    },
    openForWriting: () => [],
    remaining: (leader) => Promise.resolve([{ pid: leader, command: 'node server.js' }]),
    appProcess: (leader) => leader,
    // Run directly, not by a package manager that forwards Ctrl-C (tests replace it for that).
    signalsForwarded: () => false,
    signals: (handler) => {
      shutdownHandler = handler;
      return () => {
        disposed.signals += 1;
      };
    },
    parentGone: (handlers) => {
      parentHandler = handlers.gone;
      return () => {
        disposed.parent += 1;
      };
    },
    stdout: new PassThrough(),
    stderr,
  };
  return {
    ports,
    clock,
    launcher,
    watchdog,
    watcher,
    log,
    disposed,
    job,
    /** devreload itself receives `signal`. */
    kill: (signal: 'SIGINT' | 'SIGTERM' | 'SIGHUP' | 'SIGTSTP') => (signal === 'SIGTSTP' ? suspendHandler?.() : shutdownHandler?.(signal)),
    /** The process that started devreload (this pid) exited. */
    parentExits: (pid = 1234) => parentHandler?.(pid),
  };
}
