import { describe, expect, it } from 'vitest';
import { config, Harness } from './harness.js';

// `prepare`: the machine says a start for changes is owed as soon as it is, so the launcher can
// boot a runtime (no user code) while the old instance stops and the quiet window runs.
const withPrepare = { ...config, prepare: true };

describe('prepare: an owed start is announced at its first change', () => {
  it('a change while running: prepare with the stop, before the window and the stop end; one per restart however many changes', () => {
    const h = new Harness(withPrepare).running();
    h.change();
    // The old instance's stop is under way first; the start itself waits for `gone` and the window.
    expect(h.effects.map((e) => e.type).slice(-4)).toEqual(['setTimer', 'setTimer', 'setTimer', 'prepare']);
    expect(h.signals).toEqual([{ pid: 100, signal: 'SIGTERM' }]);
    expect(h.spawnRequests).toBe(1);
    h.change('src/b.ts').change('src/c.ts');
    expect(h.prepares).toBe(1);
    h.advance(100).gone();
    expect(h.spawnRequests).toBe(2);
    h.spawned();
    h.change();
    expect(h.prepares).toBe(2);
  });

  it('after the app exited on its own, the first change prepares the start it owes', () => {
    const h = new Harness(withPrepare).running();
    h.exited(1).gone();
    expect(h.state.tag).toBe('waiting');
    expect(h.prepares).toBe(0);
    h.change().change('src/b.ts');
    expect(h.state.tag).toBe('settling');
    expect(h.prepares).toBe(1);
  });

  it('a change while a crashed app’s leftovers are stopped prepares once', () => {
    const h = new Harness(withPrepare).running();
    h.exited(1);
    expect(h.state.tag).toBe('stopping');
    h.change().change('src/b.ts');
    expect(h.prepares).toBe(1);
  });

  it('a change while the new instance is being spawned prepares the start that replaces it', () => {
    const h = new Harness(withPrepare).running();
    h.change().advance(60).gone();
    expect(h.state.tag).toBe('starting');
    h.change('src/b.ts');
    expect(h.prepares).toBe(2);
    h.change('src/c.ts');
    expect(h.prepares).toBe(2);
  });

  it('never with --build, nor without the setting, nor for `rs`-less starts (first start, --on-exit restart)', () => {
    const built = new Harness({ ...withPrepare, build: true });
    built.send({ type: 'start' }).buildSpawned();
    built.buildDone(0);
    built.spawned();
    built.change();
    expect(built.prepares).toBe(0);

    const off = new Harness(config).running();
    off.change();
    expect(off.prepares).toBe(0);

    const restarting = new Harness({ ...withPrepare, onExit: 'restart' }).running();
    restarting.exited(1).gone().advance(1000);
    expect(restarting.spawnRequests).toBe(2);
    expect(restarting.prepares).toBe(0);
  });

  it('a shutdown after the prepare ends the run without the start', () => {
    const h = new Harness(withPrepare).running();
    h.change();
    h.send({ type: 'shutdown', trigger: 'SIGINT' });
    h.gone();
    expect(h.exitCode).toBe(130);
    expect(h.spawnRequests).toBe(1);
    expect(h.prepared).toBe(false);
  });
});
