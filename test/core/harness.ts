import { expect } from 'vitest';
import { initialState, transition } from '../../src/core/machine.js';
import type { Effect, Input, LogEvent, MachineConfig, Signal, State, TimerName } from '../../src/core/types.js';

/** An input without its timestamp: the harness stamps it with the fake clock. */
export type Unstamped = Input extends infer I ? (I extends Input ? Omit<I, 'at'> : never) : never;

export const config: MachineConfig = {
  stopSignal: 'SIGTERM',
  killTimeout: 5000,
  delay: 50,
  burstThreshold: 1000,
  burstDelay: 300,
  duplicateSignalWindow: 50,
  stopNotice: 1000,
  maxRecordedChanges: 3,
  onExit: 'wait',
  backoffBase: 200,
  backoffMax: 5000,
  stableAfter: 5000,
  build: false,
  postpone: false,
  prepare: false,
};

/**
 * A fake clock and a fake child around the pure machine. Timers set by effects fire when the
 * clock passes them; spawned instances live until the test says they are gone. After every
 * step it checks the invariants that matter to users: never two instances, and an exit only
 * once everything is gone.
 */
export class Harness {
  state: State = initialState;
  now = 0;
  effects: Effect[] = [];
  timers = new Map<TimerName, number>();
  nextPid = 100;
  alive: number[] = [];
  signals: Array<{ pid: number; signal: Signal }> = [];
  spawnRequests = 0;
  /** `prepare` effects so far, and whether the last one still waits for its spawn (or the exit). */
  prepares = 0;
  prepared = false;
  exitCode: number | null = null;
  /** --build: the build asked for and not yet done (null: none; 'spawning': no pid yet). */
  build: number | 'spawning' | null = null;
  buildRequests = 0;
  buildSignals: Signal[] = [];
  /** Every signal sent to a build, with the build's pid at that moment. */
  buildSignalsTo: Array<{ pid: number | 'spawning' | null; signal: Signal }> = [];
  nextBuildPid = 900;

  constructor(readonly cfg: MachineConfig = config) {}

  send(input: Unstamped): this {
    const { state, effects } = transition(this.state, { ...input, at: this.now } as Input, this.cfg);
    this.state = state;
    for (const effect of effects) this.apply(effect);
    this.check();
    return this;
  }

  private apply(effect: Effect): void {
    this.effects.push(effect);
    switch (effect.type) {
      case 'spawn':
        expect(this.alive, 'spawn while an instance is alive').toEqual([]);
        expect(this.build, 'spawn while a build runs').toBeNull();
        this.spawnRequests += 1;
        this.prepared = false;
        break;
      case 'prepare':
        expect(this.prepared, 'a second prepare before the spawn it announced').toBe(false);
        expect(this.cfg.build, 'prepare with --build').toBe(false);
        this.prepares += 1;
        this.prepared = true;
        break;
      case 'build':
        expect(this.build, 'two builds at once').toBeNull();
        this.build = 'spawning';
        this.buildRequests += 1;
        break;
      case 'signal': {
        if (effect.target === 'build') {
          this.buildSignals.push(effect.signal);
          this.buildSignalsTo.push({ pid: this.build, signal: effect.signal });
          break;
        }
        const pid = this.alive.at(-1);
        if (pid !== undefined) this.signals.push({ pid, signal: effect.signal });
        break;
      }
      case 'setTimer':
        this.timers.set(effect.timer, this.now + effect.ms);
        break;
      case 'clearTimer':
        this.timers.delete(effect.timer);
        break;
      case 'exit':
        expect(this.alive, 'exit while an instance is alive').toEqual([]);
        this.exitCode = effect.code;
        this.prepared = false;
        break;
      case 'log':
      case 'describeStop':
        break;
    }
  }

  private check(): void {
    expect(this.alive.length).toBeLessThanOrEqual(1);
  }

  /** The adapter confirms the spawn requested last. */
  spawned(): number {
    const pid = this.nextPid++;
    this.alive.push(pid);
    this.send({ type: 'spawned', pid });
    return pid;
  }

  exited(code: number | null, signal: Signal | null = null): this {
    return this.send({ type: 'exited', exit: { code, signal } });
  }

  gone(): this {
    this.alive = [];
    return this.send({ type: 'gone' });
  }

  /** Advance the fake clock, firing due timers in order. */
  advance(ms: number): this {
    const until = this.now + ms;
    for (;;) {
      const due = [...this.timers].filter(([, at]) => at <= until).sort((a, b) => a[1] - b[1])[0];
      if (due === undefined) break;
      this.timers.delete(due[0]);
      this.now = due[1];
      this.send({ type: 'timer', timer: due[0] });
    }
    this.now = until;
    return this;
  }

  /** The build asked for last has spawned. */
  buildSpawned(): number {
    expect(this.build).toBe('spawning');
    const pid = this.nextBuildPid++;
    this.build = pid;
    this.send({ type: 'buildSpawned', pid });
    return pid;
  }

  /** The leader of the build step under way exited; what it started may still run. */
  buildExited(): this {
    return this.send({ type: 'buildExited' });
  }

  /** Every process of the build is gone; it exited with `code`. */
  buildDone(code: number | null, signal: Signal | null = null): this {
    this.build = null;
    return this.send({ type: 'buildDone', exit: { code, signal } });
  }

  change(path = 'src/app.ts'): this {
    return this.send({ type: 'change', path });
  }

  logs(kind?: LogEvent['kind']): LogEvent[] {
    return this.effects.flatMap((e) => (e.type === 'log' && (kind === undefined || e.event.kind === kind) ? [e.event] : []));
  }

  running(): Harness {
    this.send({ type: 'start' });
    this.spawned();
    expect(this.state.tag).toBe('running');
    return this;
  }
}

