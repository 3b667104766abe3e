import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { MachineConfig, OnExit, Signal } from '../../src/core/types.js';
import { config, Harness } from './harness.js';

/**
 * Random interleavings of everything that can happen to the supervisor — saves, `rs`, time
 * passing, the app starting, crashing, exiting, dying slowly, and signals to devreload — fed to
 * the pure machine with a fake child. After every step: never two instances, spawn only when
 * nothing is alive or starting, exit only once everything is gone, a state that agrees with
 * the world, and no signal but SIGKILL sent twice to one instance or build, nor after SIGKILL
 * (the SIGTERM that follows a leader's exit comes once, and never on top of SIGTERM or SIGKILL).
 * At the end a shutdown must always complete. And a restart is never lost: whatever state an
 * `rs` or a change finds, once the world has answered, an instance started after it runs
 * (dropping an `rs` that comes while the instance is still being spawned failed no other test).
 * A failure prints fast-check's seed and path, which reproduce it: `fc.assert(..., { seed, path })`.
 */
type Action =
  | { kind: 'change'; file: number }
  | { kind: 'restart' }
  | { kind: 'advance'; ms: number }
  | { kind: 'spawnResult'; ok: boolean }
  | { kind: 'exitOnOwn'; code: number }
  | { kind: 'leaderExits' }
  | { kind: 'groupGone' }
  | { kind: 'shutdown'; signal: 'SIGINT' | 'SIGTERM' | 'SIGHUP' | 'parent' }
  | { kind: 'buildSpawns' }
  | { kind: 'buildLeaderExits' }
  | { kind: 'buildEnds'; ok: boolean };

const action: fc.Arbitrary<Action> = fc.oneof(
  fc.record({ kind: fc.constant('change' as const), file: fc.integer({ min: 0, max: 5 }) }),
  fc.record({ kind: fc.constant('restart' as const) }),
  fc.record({ kind: fc.constant('advance' as const), ms: fc.oneof(fc.integer({ min: 0, max: 60 }), fc.integer({ min: 0, max: 12_000 })) }),
  fc.record({ kind: fc.constant('spawnResult' as const), ok: fc.boolean() }),
  fc.record({ kind: fc.constant('exitOnOwn' as const), code: fc.integer({ min: 0, max: 3 }) }),
  fc.record({ kind: fc.constant('leaderExits' as const) }),
  fc.record({ kind: fc.constant('groupGone' as const) }),
  fc.record({ kind: fc.constant('shutdown' as const), signal: fc.constantFrom('SIGINT' as const, 'SIGTERM' as const, 'SIGHUP' as const, 'parent' as const) }),
  fc.record({ kind: fc.constant('buildSpawns' as const) }),
  fc.record({ kind: fc.constant('buildLeaderExits' as const) }),
  fc.record({ kind: fc.constant('buildEnds' as const), ok: fc.boolean() }),
);

/** With --build the interesting paths are longer (build, start, change, build again): weight the steps that make progress. */
const buildAction: fc.Arbitrary<Action> = fc.oneof(
  { arbitrary: action, weight: 4 },
  { arbitrary: fc.record({ kind: fc.constant('buildSpawns' as const) }), weight: 3 },
  { arbitrary: fc.record({ kind: fc.constant('buildEnds' as const), ok: fc.boolean() }), weight: 3 },
  { arbitrary: fc.record({ kind: fc.constant('buildLeaderExits' as const) }), weight: 2 },
  { arbitrary: fc.record({ kind: fc.constant('spawnResult' as const), ok: fc.constant(true) }), weight: 3 },
  { arbitrary: fc.record({ kind: fc.constant('advance' as const), ms: fc.integer({ min: 50, max: 400 }) }), weight: 2 },
  { arbitrary: fc.record({ kind: fc.constant('leaderExits' as const) }), weight: 2 },
  { arbitrary: fc.record({ kind: fc.constant('groupGone' as const) }), weight: 2 },
);

/** The fake world around the machine: a pending spawn, and an instance whose leader may have exited. */
class World {
  readonly h: Harness;
  leaderExited = false;
  /** The build step under way has reported its leader's exit. */
  buildLeaderExited = false;
  spawnsAnswered = 0;

  constructor(cfg: MachineConfig) {
    this.h = new Harness(cfg);
  }

  get spawnPending(): boolean {
    return this.h.spawnRequests > this.spawnsAnswered;
  }

  apply(a: Action): void {
    const { h } = this;
    switch (a.kind) {
      case 'change':
        h.change(`src/f${a.file}.ts`);
        break;
      case 'restart':
        h.send({ type: 'restart' });
        break;
      case 'advance':
        h.advance(a.ms);
        break;
      case 'spawnResult':
        if (!this.spawnPending) return;
        this.spawnsAnswered += 1;
        this.leaderExited = false;
        if (a.ok) h.spawned();
        else h.send({ type: 'spawnFailed', message: 'not found', exitCode: 127 });
        break;
      case 'exitOnOwn':
      case 'leaderExits':
        if (h.alive.length === 0 || this.leaderExited) return;
        this.leaderExited = true;
        // A leader that exits after a signal reports it; one that crashes reports its code.
        h.exited(a.kind === 'exitOnOwn' ? a.code : null, a.kind === 'leaderExits' ? 'SIGTERM' : null);
        break;
      case 'groupGone':
        if (h.alive.length === 0 || !this.leaderExited) return;
        h.gone();
        break;
      case 'shutdown':
        h.send({ type: 'shutdown', trigger: a.signal });
        break;
      case 'buildSpawns':
        if (h.build !== 'spawning') return;
        h.buildSpawned();
        this.buildLeaderExited = false;
        break;
      case 'buildLeaderExits':
        if (typeof h.build !== 'number' || this.buildLeaderExited) return;
        this.buildLeaderExited = true;
        h.buildExited();
        break;
      case 'buildEnds': {
        if (typeof h.build !== 'number') return;
        const serving = h.state.tag === 'building' && h.state.app !== null && !h.state.app.exiting ? h.state.app.pid : null;
        h.buildDone(a.ok ? 0 : 1);
        // A failed build never costs the instance that was serving.
        // (A cancelled build's result does not count: then it goes on serving while the next build waits.)
        if (!a.ok && serving !== null && h.state.tag !== 'done') {
          const still = h.state.tag === 'running' ? h.state.pid : h.state.tag === 'building' ? h.state.app?.pid : undefined;
          expect(still).toBe(serving);
          expect(h.alive).toEqual([serving]);
        }
        break;
      }
    }
    this.check();
  }

  check(): void {
    const { h } = this;
    expect(h.alive.length).toBeLessThanOrEqual(1);
    expect(h.spawnRequests - this.spawnsAnswered).toBeLessThanOrEqual(1);
    const tag = h.state.tag;
    if (tag === 'starting') expect(this.spawnPending).toBe(true);
    if (tag === 'running' || tag === 'stopping') expect(h.alive.length).toBe(1);
    if (tag === 'idle' || tag === 'settling' || tag === 'waiting' || tag === 'backoff' || tag === 'done') {
      expect(h.alive).toEqual([]);
      expect(this.spawnPending).toBe(false);
    }
    if (h.exitCode !== null) expect(tag).toBe('done');
    // Never a build and a start at once; a build only where the machine says one runs.
    if (h.build !== null) expect(tag === 'building' || tag === 'done' ? 'ok' : tag).toBe('ok');
    if (h.build !== null) expect(this.spawnPending).toBe(false);
    if (tag === 'building' && h.state.app !== null) expect(h.alive).toContain(h.state.app.pid);
    expectSignalsSane(h.signals);
    expectSignalsSane(h.buildSignalsTo);
  }

  /**
   * The world answers what the machine asked, in a random order, and nothing else happens: no
   * change, no signal to devreload, no crash (an instance's leader exits only once it is being
   * stopped); spawns succeed and time passes. Then once more in a fixed order, until it rests.
   */
  answer(order: readonly Answer[]): void {
    const { h } = this;
    const stopping = () => h.state.tag === 'stopping';
    const act: Record<Answer, () => void> = {
      spawn: () => this.apply({ kind: 'spawnResult', ok: true }),
      leaderExits: () => stopping() && this.apply({ kind: 'leaderExits' }),
      groupGone: () => stopping() && this.apply({ kind: 'groupGone' }),
      tick: () => this.apply({ kind: 'advance', ms: 20 }),
      window: () => this.apply({ kind: 'advance', ms: 400 }),
    };
    for (const answer of order) act[answer]();
    for (let step = 0; step < 10; step++) for (const answer of ['spawn', 'leaderExits', 'groupGone', 'window'] as const) act[answer]();
  }

  /** Ctrl-C, then let the world answer everything: devreload must always exit. */
  finish(): void {
    const { h } = this;
    h.send({ type: 'shutdown', trigger: 'SIGINT' });
    for (let step = 0; step < 20 && h.exitCode === null; step++) {
      if (this.spawnPending) this.apply({ kind: 'spawnResult', ok: true });
      if (h.alive.length > 0 && !this.leaderExited) this.apply({ kind: 'leaderExits' });
      if (h.alive.length > 0) this.apply({ kind: 'groupGone' });
      if (h.build === 'spawning') this.apply({ kind: 'buildSpawns' });
      if (typeof h.build === 'number') this.apply({ kind: 'buildEnds', ok: false });
      this.apply({ kind: 'advance', ms: 6000 });
    }
    expect(h.exitCode).not.toBeNull();
    expect(h.alive).toEqual([]);
  }
}

/** Per target: no signal but SIGKILL twice, and nothing but SIGKILL after SIGKILL. */
function expectSignalsSane(signals: ReadonlyArray<{ pid: number | string | null; signal: Signal }>): void {
  const byTarget = new Map<unknown, Signal[]>();
  for (const { pid, signal } of signals) byTarget.set(pid, [...(byTarget.get(pid) ?? []), signal]);
  for (const [pid, list] of byTarget) {
    const killedAt = list.indexOf('SIGKILL');
    if (killedAt >= 0) expect(list.slice(killedAt).every((s) => s === 'SIGKILL'), `pid ${String(pid)}: ${list.join(', ')}`).toBe(true);
    const polite = list.filter((s) => s !== 'SIGKILL');
    expect(new Set(polite).size, `pid ${String(pid)}: ${list.join(', ')}`).toBe(polite.length);
  }
}

/** What the world around the machine may do on its own once asked: see World.answer. */
type Answer = 'spawn' | 'leaderExits' | 'groupGone' | 'tick' | 'window';
const answer = fc.constantFrom<Answer>('spawn', 'leaderExits', 'groupGone', 'tick', 'window');

/** The stop signal varies: SIGTERM (no follow-up), SIGINT and SIGUSR2 (SIGTERM follows the leader's exit). */
const stopSignal = fc.constantFrom<Signal>('SIGTERM', 'SIGINT', 'SIGUSR2');

describe('restart state machine under random interleavings', () => {
  for (const onExit of ['wait', 'restart', 'quit'] as OnExit[]) {
    it(`keeps its invariants (--on-exit ${onExit})`, () => {
      fc.assert(
        fc.property(fc.array(action, { maxLength: 120, size: 'max' }), stopSignal, (actions, signal) => {
          const world = new World({ ...config, onExit, stopSignal: signal, prepare: true });
          world.h.send({ type: 'start' });
          world.check();
          for (const a of actions) world.apply(a);
          if (world.h.exitCode === null) world.finish();
          // Every start announced by `prepare` came, or the run ended (the harness checks there is never a second one before it).
          expect(world.h.prepared).toBe(false);
        }),
        { numRuns: 400 },
      );
    });
  }

  for (const onExit of ['wait', 'restart', 'quit'] as OnExit[]) {
    it(`keeps its invariants with --build: never two builds, never a build and a start at once, a failed build keeps the instance (--on-exit ${onExit})`, () => {
      fc.assert(
        fc.property(fc.array(buildAction, { maxLength: 120, size: 'max' }), fc.boolean(), stopSignal, (actions, postpone, signal) => {
          const world = new World({ ...config, onExit, build: true, postpone, stopSignal: signal, prepare: true });
          world.h.send({ type: 'start' });
          world.check();
          for (const a of actions) world.apply(a);
          if (world.h.exitCode === null) world.finish();
          expect(world.h.build).toBeNull();
        }),
        { numRuns: 400 },
      );
    });
  }

  for (const onExit of ['wait', 'restart'] as OnExit[]) {
    it(`never loses a restart: \`rs\` or a change, in whatever state it finds the machine, ends with an instance started after it (--on-exit ${onExit})`, () => {
      // Shutdowns aside (after one a restart is rightly ignored), anything may come before it.
      const before = action.filter((a) => a.kind !== 'shutdown');
      fc.assert(
        fc.property(fc.array(before, { maxLength: 60 }), fc.constantFrom('restart' as const, 'change' as const), fc.array(answer, { maxLength: 30 }), stopSignal, (actions, ask, order, signal) => {
          const world = new World({ ...config, onExit, stopSignal: signal, prepare: true });
          world.h.send({ type: 'start' });
          // The first start failing ends the run (a typo in the command): not this property's case.
          world.apply({ kind: 'spawnResult', ok: true });
          for (const a of actions) world.apply(a);
          const spawnsBefore = world.h.spawnRequests;
          world.apply(ask === 'restart' ? { kind: 'restart' } : { kind: 'change', file: 0 });
          world.answer(order);
          expect(world.h.state.tag).toBe('running');
          expect(world.h.spawnRequests).toBeGreaterThan(spawnsBefore);
          expect(world.h.prepared).toBe(false);
        }),
        { numRuns: 400 },
      );
    });
  }

  it('a burst of changes while running never gives more than one new instance', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 0, max: 40 }), { minLength: 1, maxLength: 200 }), (gaps) => {
        const world = new World(config);
        world.h.send({ type: 'start' });
        world.apply({ kind: 'spawnResult', ok: true });
        const before = world.h.spawnRequests;
        // Every gap is shorter than the quiet window: one burst.
        for (const gap of gaps) {
          world.apply({ kind: 'advance', ms: gap % config.delay });
          world.apply({ kind: 'change', file: gap % 6 });
        }
        world.apply({ kind: 'leaderExits' });
        world.apply({ kind: 'groupGone' });
        world.apply({ kind: 'advance', ms: 10_000 });
        expect(world.h.spawnRequests - before).toBe(1);
      }),
      { numRuns: 300 },
    );
  });
});
