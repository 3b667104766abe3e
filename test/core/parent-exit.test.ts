import { describe, expect, it } from 'vitest';
import type { Effect } from '../../src/core/types.js';
import { config, Harness } from './harness.js';

// devreload's parent (or the top of its job, npm) went away: a shutdown like SIGHUP's, exit 129,
// its cause `parent` (the `quit` event's `parentExit`).

const sent = (h: Harness) => h.signals.map((s) => s.signal);
const exitEffect = (h: Harness) => h.effects.find((e): e is Extract<Effect, { type: 'exit' }> => e.type === 'exit');

describe('the parent exits', () => {
  it('stops the app with the stop signal, says why, exits 129 with cause `parent` once everything is gone', () => {
    const h = new Harness({ ...config, stopSignal: 'SIGUSR2' }).running();
    h.send({ type: 'shutdown', trigger: 'parent' });
    expect(sent(h)).toEqual(['SIGUSR2']);
    expect(h.logs('shutdown')).toEqual([{ kind: 'shutdown', trigger: 'parent' }]);
    expect(h.logs('stopping')).toEqual([{ kind: 'stopping', pid: 100, signal: 'SIGUSR2', reason: 'shutdown' }]);
    h.change().advance(100);
    expect(h.spawnRequests).toBe(1);
    h.gone();
    expect(exitEffect(h)).toEqual({ type: 'exit', code: 129, cause: 'parent' });
  });

  it('escalates after the kill timeout like any shutdown', () => {
    const h = new Harness().running();
    h.send({ type: 'shutdown', trigger: 'parent' }).advance(5000);
    expect(sent(h)).toEqual(['SIGTERM', 'SIGKILL']);
  });

  it('with nothing running, exits at once', () => {
    const h = new Harness().running();
    h.exited(1).gone();
    expect(h.state.tag).toBe('waiting');
    h.send({ type: 'shutdown', trigger: 'parent' });
    expect(exitEffect(h)).toEqual({ type: 'exit', code: 129, cause: 'parent' });
  });

  it('found gone while devreload already stops (the same Ctrl-C ended npm too): no hurry, no SIGKILL, the Ctrl-C’s code', () => {
    const h = new Harness().running();
    h.send({ type: 'shutdown', trigger: 'SIGINT' }).advance(400).send({ type: 'shutdown', trigger: 'parent' });
    expect(sent(h)).toEqual(['SIGINT']);
    expect(h.logs('forcing')).toEqual([]);
    h.gone();
    expect(h.exitCode).toBe(130);
  });

  it('a signal right after it is the one that ended the parent (an echo); a Ctrl-C later forces', () => {
    const h = new Harness().running();
    h.send({ type: 'shutdown', trigger: 'parent' }).advance(1).send({ type: 'shutdown', trigger: 'SIGINT' });
    expect(sent(h)).toEqual(['SIGTERM']);
    h.advance(400).send({ type: 'shutdown', trigger: 'SIGINT' });
    expect(sent(h)).toEqual(['SIGTERM', 'SIGKILL']);
    expect(h.logs('forcing')).toHaveLength(1);
  });

  it('during a build: the build and the app are stopped with the stop signal, then exit 129', () => {
    const h = new Harness({ ...config, build: true }).send({ type: 'start' });
    h.buildSpawned();
    h.buildDone(0);
    h.spawned();
    h.change().advance(50);
    h.buildSpawned();
    h.send({ type: 'shutdown', trigger: 'parent' });
    expect(h.buildSignals).toEqual(['SIGTERM']);
    expect(sent(h)).toEqual(['SIGTERM']);
    h.buildDone(null, 'SIGTERM').gone();
    expect(exitEffect(h)).toEqual({ type: 'exit', code: 129, cause: 'parent' });
  });
});
