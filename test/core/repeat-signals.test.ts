import { describe, expect, it } from 'vitest';
import type { Effect } from '../../src/core/types.js';
import { forwardedSignalWindowMs } from '../../src/tuning.js';
import { config, Harness } from './harness.js';

// What a shutdown signal means while devreload is already shutting down (core/steps.ts):
// one press delivered twice by npm/pnpm counts once; a person's second Ctrl-C always forces.
// `config` has the 50 ms window of a devreload whose parent is not known to forward signals.

const signalsSent = (h: Harness) => h.signals.map((s) => s.signal);

describe('a repeated shutdown signal', () => {
  it('the first repeat of the same signal within the window is npm’s echo; a human’s second Ctrl-C 100 ms later forces', () => {
    const h = new Harness().running();
    h.send({ type: 'shutdown', trigger: 'SIGINT' }).advance(1).send({ type: 'shutdown', trigger: 'SIGINT' });
    expect(signalsSent(h)).toEqual(['SIGINT']);
    h.advance(99).send({ type: 'shutdown', trigger: 'SIGINT' });
    expect(signalsSent(h)).toEqual(['SIGINT', 'SIGKILL']);
    expect(h.logs('forcing')).toHaveLength(1);
  });

  it('only one echo per shutdown: a third SIGINT inside the window forces (two presses, one echo merged by the kernel)', () => {
    const h = new Harness().running();
    h.send({ type: 'shutdown', trigger: 'SIGINT' }).advance(1).send({ type: 'shutdown', trigger: 'SIGINT' }).advance(1).send({ type: 'shutdown', trigger: 'SIGINT' });
    expect(signalsSent(h)).toEqual(['SIGINT', 'SIGKILL']);
  });

  it('without an echo, a second Ctrl-C right after the first forces too', () => {
    const h = new Harness().running();
    h.send({ type: 'shutdown', trigger: 'SIGINT' }).advance(config.duplicateSignalWindow).send({ type: 'shutdown', trigger: 'SIGINT' });
    expect(signalsSent(h)).toEqual(['SIGINT', 'SIGKILL']);
  });

  it('Ctrl-C after SIGTERM (a debugger’s stop) forces at once: it is never an echo of another signal', () => {
    const h = new Harness().running();
    h.send({ type: 'shutdown', trigger: 'SIGTERM' }).advance(1).send({ type: 'shutdown', trigger: 'SIGINT' });
    expect(signalsSent(h)).toEqual(['SIGTERM', 'SIGKILL']);
    h.gone();
    expect(h.exitCode).toBe(143);
  });

  it('SIGHUP then SIGTERM at once (a closed terminal, a package manager forwarding) stays graceful', () => {
    const h = new Harness().running();
    h.send({ type: 'shutdown', trigger: 'SIGHUP' }).advance(2).send({ type: 'shutdown', trigger: 'SIGTERM' });
    expect(signalsSent(h)).toEqual(['SIGTERM']);
    expect(h.logs('forcing')).toHaveLength(0);
  });

  it('stop() twice never forces, however far apart', () => {
    const h = new Harness().running();
    h.send({ type: 'shutdown', trigger: 'api' }).advance(3000).send({ type: 'shutdown', trigger: 'api' });
    expect(signalsSent(h)).toEqual(['SIGTERM']);
    h.gone();
    expect(h.exitCode).toBe(0);
  });

  it('a Ctrl-C during a restart’s stop turns it into the shutdown; its echo does not force, the next press does', () => {
    const h = new Harness().running();
    h.change().advance(10).send({ type: 'shutdown', trigger: 'SIGINT' }).advance(1).send({ type: 'shutdown', trigger: 'SIGINT' });
    expect(signalsSent(h)).toEqual(['SIGTERM']);
    h.advance(150).send({ type: 'shutdown', trigger: 'SIGINT' });
    expect(signalsSent(h)).toEqual(['SIGTERM', 'SIGKILL']);
  });
});

// Under `npm run` with bash as the script shell (devreload's parent forwards Ctrl-C), the machine
// is given the wider window: npm's copy arrives when npm's loop gets to it, 70 ms late and more
// on a loaded machine, and each press yields two copies unless the kernel merged them.
const forwarded = { ...config, duplicateSignalWindow: forwardedSignalWindowMs };

describe('a repeated shutdown signal, under a parent that forwards Ctrl-C', () => {
  it('npm’s copy 120 ms late is the echo, not a second press (it was SIGKILL past 50 ms)', () => {
    const h = new Harness(forwarded).running();
    h.send({ type: 'shutdown', trigger: 'SIGINT' }).advance(120).send({ type: 'shutdown', trigger: 'SIGINT' });
    expect(signalsSent(h)).toEqual(['SIGINT']);
    expect(h.logs('forcing')).toHaveLength(0);
    h.gone();
    expect(h.exitCode).toBe(130);
  });

  it('a quick second press forces at its first copy once the echo came', () => {
    const h = new Harness(forwarded).running();
    h.send({ type: 'shutdown', trigger: 'SIGINT' }).advance(30).send({ type: 'shutdown', trigger: 'SIGINT' });
    h.advance(150).send({ type: 'shutdown', trigger: 'SIGINT' });
    expect(signalsSent(h)).toEqual(['SIGINT', 'SIGKILL']);
    // Its own copy changes nothing more.
    h.advance(30).send({ type: 'shutdown', trigger: 'SIGINT' });
    expect(signalsSent(h)).toEqual(['SIGINT', 'SIGKILL']);
    expect(h.logs('forcing')).toHaveLength(1);
  });

  it('the kernel merged the first press’s copies: a second press forces by its forwarded copy', () => {
    const h = new Harness(forwarded).running();
    h.send({ type: 'shutdown', trigger: 'SIGINT' }).advance(200).send({ type: 'shutdown', trigger: 'SIGINT' });
    expect(signalsSent(h)).toEqual(['SIGINT']);
    h.advance(40).send({ type: 'shutdown', trigger: 'SIGINT' });
    expect(signalsSent(h)).toEqual(['SIGINT', 'SIGKILL']);
  });

  it('a press past the window forces at once: the one "Ctrl-C again to force" asks for, a second after the first', () => {
    expect(forwardedSignalWindowMs).toBeLessThan(config.stopNotice);
    const h = new Harness(forwarded).running();
    h.send({ type: 'shutdown', trigger: 'SIGINT' }).advance(config.stopNotice).send({ type: 'shutdown', trigger: 'SIGINT' });
    expect(signalsSent(h)).toEqual(['SIGINT', 'SIGKILL']);
  });

  it('SIGTERM forwarded late (a task runner signalled the whole job) stays graceful too', () => {
    const h = new Harness(forwarded).running();
    h.send({ type: 'shutdown', trigger: 'SIGTERM' }).advance(150).send({ type: 'shutdown', trigger: 'SIGTERM' });
    expect(signalsSent(h)).toEqual(['SIGTERM']);
  });
});

const described = (h: Harness) => h.effects.filter((e): e is Extract<Effect, { type: 'describeStop' }> => e.type === 'describeStop');

describe('a stop that takes long', () => {
  it('is described once, a second after it began: how long until SIGKILL, and that Ctrl-C would force it', () => {
    const h = new Harness().running();
    h.send({ type: 'shutdown', trigger: 'SIGINT' }).advance(999);
    expect(described(h)).toEqual([]);
    h.advance(1);
    expect(described(h)).toEqual([{ type: 'describeStop', leaders: [100], killInMs: 4000, canForce: true }]);
    h.advance(10_000);
    expect(described(h)).toHaveLength(1);
    h.gone();
    expect(h.timers.size).toBe(0);
  });

  it('for a restart: no Ctrl-C hint (a Ctrl-C would quit, not force)', () => {
    const h = new Harness().running();
    h.change().advance(1000);
    expect(described(h)).toEqual([{ type: 'describeStop', leaders: [100], killInMs: 4000, canForce: false }]);
  });

  it('a stop that ends within the second says nothing, and leaves no timer behind', () => {
    const h = new Harness().running();
    h.change().advance(500).gone();
    h.advance(5000);
    expect(described(h)).toEqual([]);
    expect(h.timers.has('notice')).toBe(false);
  });

  it('after SIGKILL was sent already (a kill timeout under a second): says so, with no countdown', () => {
    const h = new Harness({ ...config, killTimeout: 500 }).running();
    h.send({ type: 'shutdown', trigger: 'SIGTERM' }).advance(1000);
    expect(described(h)).toEqual([{ type: 'describeStop', leaders: [100], killInMs: null, canForce: false }]);
  });
});
