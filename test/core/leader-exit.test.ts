import { describe, expect, it } from 'vitest';
import type { Effect } from '../../src/core/types.js';
import { config, Harness } from './harness.js';

// Once the leader of what is being stopped has exited, what it left running gets SIGTERM instead
// of waiting for SIGKILL at the kill timeout (core/steps.ts, terminateRest): a non-interactive
// shell's `&` jobs ignore SIGINT, so after Ctrl-C they held the prompt for the whole timeout.

const sent = (h: Harness) => h.signals.map((s) => s.signal);
const signalEffects = (h: Harness) => h.effects.filter((e): e is Extract<Effect, { type: 'signal' }> => e.type === 'signal');

describe('the leader exits while it is being stopped', () => {
  it('after Ctrl-C: SIGTERM for what it left, announced only if it reached something; SIGKILL still at the kill timeout', () => {
    const h = new Harness().running();
    h.send({ type: 'shutdown', trigger: 'SIGINT' }).advance(30).exited(null, 'SIGINT');
    expect(sent(h)).toEqual(['SIGINT', 'SIGTERM']);
    expect(signalEffects(h).at(-1)).toEqual({
      type: 'signal',
      signal: 'SIGTERM',
      target: 'app',
      ifReached: { kind: 'terminating', pid: 100, after: 'SIGINT', target: 'app' },
    });
    // The kill timer set when the stop began still runs: SIGKILL 5 s after Ctrl-C, not after the SIGTERM.
    expect(h.timers.get('kill')).toBe(5000);
    h.advance(4969);
    expect(sent(h)).toEqual(['SIGINT', 'SIGTERM']);
    h.advance(1);
    expect(sent(h)).toEqual(['SIGINT', 'SIGTERM', 'SIGKILL']);
    h.gone();
    expect(h.exitCode).toBe(130);
  });

  it('what it left exits on the SIGTERM: devreload exits at once', () => {
    const h = new Harness().running();
    h.send({ type: 'shutdown', trigger: 'SIGINT' }).exited(null, 'SIGINT').advance(20).gone();
    expect(h.exitCode).toBe(130);
    expect(h.now).toBe(20);
    expect(sent(h)).toEqual(['SIGINT', 'SIGTERM']);
  });

  it('a restart’s stop with --signal SIGINT follows up the same way, and the restart goes on', () => {
    const h = new Harness({ ...config, stopSignal: 'SIGINT' }).running();
    h.change().exited(null, 'SIGINT');
    expect(sent(h)).toEqual(['SIGINT', 'SIGTERM']);
    h.advance(60).gone();
    expect(h.spawnRequests).toBe(2);
  });

  it('a second exit report sends nothing more', () => {
    const h = new Harness().running();
    h.send({ type: 'shutdown', trigger: 'SIGINT' }).exited(null, 'SIGINT').exited(null, 'SIGINT');
    expect(sent(h)).toEqual(['SIGINT', 'SIGTERM']);
  });

  it.each([
    ['SIGTERM (they had it already; a second one means "quit now" to many programs)', 'SIGTERM'],
    ['SIGKILL', 'SIGKILL'],
  ] as const)('nothing after a stop that began with %s', (_, stopSignal) => {
    const h = new Harness({ ...config, stopSignal }).running();
    h.change().exited(null, stopSignal);
    expect(sent(h)).toEqual([stopSignal]);
    const t = new Harness().running();
    t.send({ type: 'shutdown', trigger: 'SIGTERM' }).exited(null, 'SIGTERM');
    expect(sent(t)).toEqual(['SIGTERM']);
  });

  it('nothing once SIGKILL was sent (kill timeout or a second Ctrl-C)', () => {
    const h = new Harness().running();
    h.send({ type: 'shutdown', trigger: 'SIGINT' }).advance(5000).exited(null, 'SIGKILL');
    expect(sent(h)).toEqual(['SIGINT', 'SIGKILL']);
    const forced = new Harness().running();
    forced.send({ type: 'shutdown', trigger: 'SIGINT' }).advance(400).send({ type: 'shutdown', trigger: 'SIGINT' }).exited(null, 'SIGKILL');
    expect(sent(forced)).toEqual(['SIGINT', 'SIGKILL']);
  });

  it('an app that exited on its own: its leftovers get the stop signal only (no exit to follow up on)', () => {
    const h = new Harness({ ...config, stopSignal: 'SIGINT' }).running();
    h.exited(1);
    expect(sent(h)).toEqual(['SIGINT']);
    h.send({ type: 'shutdown', trigger: 'SIGINT' }).advance(400);
    expect(sent(h)).toEqual(['SIGINT']);
  });

  it('Ctrl-C while stopping for a restart (stop signal SIGINT): one SIGTERM when the leader exits', () => {
    const h = new Harness({ ...config, stopSignal: 'SIGINT' }).running();
    h.change().advance(10).send({ type: 'shutdown', trigger: 'SIGINT' }).exited(null, 'SIGINT');
    expect(sent(h)).toEqual(['SIGINT', 'SIGTERM']);
    h.gone();
    expect(h.exitCode).toBe(130);
  });
});

describe('with --build: a cancelled build step and the app stopped during a build', () => {
  const withBuild = { ...config, build: true };

  function building(cfg = withBuild): Harness {
    const h = new Harness(cfg).send({ type: 'start' });
    h.buildSpawned();
    h.buildDone(0);
    h.spawned();
    h.change().advance(50);
    h.buildSpawned();
    expect(h.state.tag).toBe('building');
    return h;
  }

  it('Ctrl-C: the build step’s leader and the app’s each exit, and what each left gets SIGTERM', () => {
    const h = building();
    h.send({ type: 'shutdown', trigger: 'SIGINT' });
    expect(h.buildSignals).toEqual(['SIGINT']);
    expect(sent(h)).toEqual(['SIGINT']);
    h.buildExited();
    expect(h.buildSignals).toEqual(['SIGINT', 'SIGTERM']);
    expect(signalEffects(h).at(-1)?.ifReached).toEqual({ kind: 'terminating', pid: 901, after: 'SIGINT', target: 'build' });
    h.exited(null, 'SIGINT');
    expect(sent(h)).toEqual(['SIGINT', 'SIGTERM']);
    expect(signalEffects(h).at(-1)?.ifReached).toEqual({ kind: 'terminating', pid: 100, after: 'SIGINT', target: 'app' });
    h.buildDone(null, 'SIGTERM').gone();
    expect(h.exitCode).toBe(130);
  });

  it('a change cancels the build with --signal SIGINT: SIGTERM once its leader exited; with SIGTERM nothing more', () => {
    const h = building({ ...withBuild, stopSignal: 'SIGINT' });
    h.change('src/b.ts');
    expect(h.buildSignals).toEqual(['SIGINT']);
    h.buildExited().buildExited();
    expect(h.buildSignals).toEqual(['SIGINT', 'SIGTERM']);
    const t = building();
    t.change('src/b.ts').buildExited();
    expect(t.buildSignals).toEqual(['SIGTERM']);
  });

  it('a step that exits while the build is not cancelled gets nothing; a cancel after SIGKILL gets no SIGTERM', () => {
    const h = building({ ...withBuild, stopSignal: 'SIGINT' });
    h.buildExited();
    expect(h.buildSignals).toEqual([]);
    h.change('src/b.ts').advance(5000);
    expect(h.buildSignals).toEqual(['SIGINT', 'SIGKILL']);
    h.buildExited();
    expect(h.buildSignals).toEqual(['SIGINT', 'SIGKILL']);
  });

  it('a build cancelled while it was being spawned follows up too, once it has a pid', () => {
    const h = new Harness({ ...withBuild, stopSignal: 'SIGINT' }).send({ type: 'start' });
    h.change();
    expect(h.buildSignals).toEqual([]);
    h.buildSpawned();
    expect(h.buildSignals).toEqual(['SIGINT']);
    h.buildExited();
    expect(h.buildSignals).toEqual(['SIGINT', 'SIGTERM']);
  });
});
