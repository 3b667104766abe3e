import { describe, expect, it } from 'vitest';
import { config, Harness } from './harness.js';

describe('restart state machine', () => {
  it('spawns once at start and runs', () => {
    const h = new Harness().send({ type: 'start' });
    expect(h.spawnRequests).toBe(1);
    expect(h.state.tag).toBe('starting');
    h.spawned();
    expect(h.state.tag).toBe('running');
    expect(h.logs('spawned')).toEqual([{ kind: 'spawned', pid: 100, restartMs: null, changes: null }]);
    h.send({ type: 'start' });
    expect(h.spawnRequests).toBe(1);
  });

  it('a change while running stops at once and restarts after gone and the quiet window', () => {
    const h = new Harness().running();
    h.now = 1000;
    h.change();
    expect(h.state.tag).toBe('stopping');
    expect(h.signals).toEqual([{ pid: 100, signal: 'SIGTERM' }]);
    h.advance(10).gone();
    expect(h.state.tag).toBe('settling');
    expect(h.spawnRequests).toBe(1);
    h.advance(40);
    expect(h.spawnRequests).toBe(2);
    h.spawned();
    expect(h.logs('spawned').at(-1)).toEqual({ kind: 'spawned', pid: 101, restartMs: 50, changes: { paths: ['src/app.ts'], count: 1 } });
    expect(h.timers.has('kill')).toBe(false);
  });

  it('starts right at gone when the quiet window passed during the stop', () => {
    const h = new Harness().running();
    h.change().advance(60);
    expect(h.spawnRequests).toBe(1);
    h.gone();
    expect(h.spawnRequests).toBe(2);
    expect(h.state.tag).toBe('starting');
  });

  it('a burst of changes gives exactly one restart and counts them', () => {
    const h = new Harness().running();
    for (let i = 0; i < 500; i++) h.advance(1).change(`src/f${i}.ts`);
    h.gone().advance(49);
    expect(h.spawnRequests).toBe(1);
    h.advance(1);
    expect(h.spawnRequests).toBe(2);
    const spawn = h.effects.filter((e) => e.type === 'spawn').at(-1);
    expect(spawn).toEqual({ type: 'spawn', changes: { paths: ['src/f0.ts', 'src/f1.ts', 'src/f2.ts'], count: 500 } });
    expect(h.signals).toHaveLength(1);
    expect(h.logs('change')).toHaveLength(1);
  });

  it('a burst (from burstThreshold files on) waits for the longer burst window', () => {
    const h = new Harness({ ...config, burstThreshold: 10, burstDelay: 300 }).running();
    for (let i = 0; i < 9; i++) h.change(`src/f${i}.ts`);
    expect(h.timers.get('quiet')).toBe(h.now + 50);
    h.change('src/f9.ts');
    expect(h.timers.get('quiet')).toBe(h.now + 300);
    h.gone().advance(299);
    expect(h.spawnRequests).toBe(1);
    h.advance(1);
    expect(h.spawnRequests).toBe(2);
    // A single save once the burst window has passed since that start has the short window again.
    h.spawned();
    h.advance(300);
    h.change('src/app.ts').gone().advance(50);
    expect(h.spawnRequests).toBe(3);
  });

  it('one source’s outputs (a.js, a.js.map, a.d.ts) are one save, not a burst; two sources are', () => {
    const h = new Harness({ ...config, burstThreshold: 2, burstDelay: 300 }).running();
    h.change('dist/a.js').change('dist/a.js.map').change('dist/a.d.ts');
    expect(h.timers.get('quiet')).toBe(h.now + 50);
    h.change('dist/b.js');
    expect(h.timers.get('quiet')).toBe(h.now + 300);
    // The same name in two folders is two sources; dotfiles keep their own name.
    const other = new Harness({ ...config, burstThreshold: 2, burstDelay: 300 }).running();
    other.change('src/a.ts').change('test/a.ts');
    expect(other.timers.get('quiet')).toBe(other.now + 300);
    const dotfiles = new Harness({ ...config, burstThreshold: 2, burstDelay: 300 }).running();
    dotfiles.change('.env').change('.npmrc');
    expect(dotfiles.timers.get('quiet')).toBe(dotfiles.now + 300);
  });

  it('a package manager’s manifest or lockfile waits the burst window: `npm install` writes package.json, then package-lock.json', () => {
    const h = new Harness({ ...config, burstDelay: 300 }).running();
    h.change('package.json');
    expect(h.timers.get('quiet')).toBe(h.now + 300);
    // The lockfile 80 ms later (past the short window) joins the same restart.
    h.advance(80).change('package-lock.json').gone().advance(299);
    expect(h.spawnRequests).toBe(1);
    h.advance(1);
    expect(h.effects.filter((e) => e.type === 'spawn').at(-1)).toEqual({ type: 'spawn', changes: { paths: ['package.json', 'package-lock.json'], count: 2 } });
    for (const file of ['apps/api/pnpm-lock.yaml', 'yarn.lock', 'uv.lock', 'pyproject.toml']) {
      const other = new Harness({ ...config, burstDelay: 300 }).running();
      other.change(file);
      expect(other.timers.get('quiet'), file).toBe(other.now + 300);
    }
    // Names that only look alike are ordinary saves.
    const plain = new Harness({ ...config, burstDelay: 300 }).running();
    plain.change('src/package.json.ts').change('src/package.json.ts');
    expect(plain.timers.get('quiet')).toBe(plain.now + 50);
  });

  it('a change within the burst window of a restart for changed files waits the burst window: a slow writer (one process per file) folds into the next restart', () => {
    const h = new Harness({ ...config, burstDelay: 300 }).running();
    h.change('src/gen/a.ts').advance(50).gone();
    expect(h.spawnRequests).toBe(2);
    h.spawned();
    // The generator's next file, 70 ms later (a process start per file): the writer is still at work.
    h.advance(70).change('src/gen/b.ts');
    expect(h.timers.get('quiet')).toBe(h.now + 300);
    for (const name of ['c', 'd', 'e']) h.advance(70).change(`src/gen/${name}.ts`);
    h.gone().advance(299);
    expect(h.spawnRequests).toBe(2);
    h.advance(1);
    expect(h.spawnRequests).toBe(3);
    expect(h.effects.filter((e) => e.type === 'spawn').at(-1)).toEqual({ type: 'spawn', changes: { paths: ['src/gen/b.ts', 'src/gen/c.ts', 'src/gen/d.ts'], count: 4 } });
    // Past the burst window, a save has the short window again.
    h.spawned();
    h.advance(300).change('src/app.ts').gone().advance(50);
    expect(h.spawnRequests).toBe(4);
  });

  it('the first start, a crash restart or `rs` do not make the next change a burst', () => {
    // Right after the first start.
    const first = new Harness({ ...config, burstDelay: 300 }).running();
    first.change('src/app.ts');
    expect(first.timers.get('quiet')).toBe(first.now + 50);
    // Right after `rs`.
    const rs = new Harness({ ...config, burstDelay: 300 }).running();
    rs.send({ type: 'restart' });
    rs.advance(50).gone().advance(50);
    expect(rs.spawnRequests).toBe(2);
    rs.spawned();
    rs.change('src/app.ts');
    expect(rs.timers.get('quiet')).toBe(rs.now + 50);
    // Right after a crash restart (--on-exit restart).
    const crash = new Harness({ ...config, burstDelay: 300, onExit: 'restart' }).running();
    crash.exited(1).gone().advance(1000);
    expect(crash.spawnRequests).toBe(2);
    crash.spawned();
    crash.change('src/app.ts');
    expect(crash.timers.get('quiet')).toBe(crash.now + 50);
  });

  it('counts a path changed twice once', () => {
    const h = new Harness().running();
    h.change('a').change('a').change('b').advance(60).gone();
    expect(h.effects.filter((e) => e.type === 'spawn').at(-1)).toEqual({ type: 'spawn', changes: { paths: ['a', 'b'], count: 2 } });
  });

  it('a change while starting queues one restart that replaces the stale instance', () => {
    const h = new Harness().running();
    h.change().advance(60).gone();
    expect(h.state.tag).toBe('starting');
    h.change('src/b.ts').change('src/c.ts');
    expect(h.spawnRequests).toBe(2);
    const pid = h.spawned();
    expect(h.state.tag).toBe('stopping');
    expect(h.signals.at(-1)).toEqual({ pid, signal: 'SIGTERM' });
    // Right after a restart for changed files: the burst window.
    h.advance(300).gone();
    expect(h.spawnRequests).toBe(3);
    h.spawned();
    expect(h.state.tag).toBe('running');
  });

  it('a change while stopping queues at most one more restart', () => {
    const h = new Harness().running();
    h.change().change().change();
    expect(h.signals).toHaveLength(1);
    h.advance(100).gone();
    expect(h.spawnRequests).toBe(2);
    h.spawned();
    expect(h.state.tag).toBe('running');
  });

  it('the leader exiting during a stop changes nothing until every process is gone', () => {
    const h = new Harness().running();
    h.change().advance(100).exited(null, 'SIGTERM');
    expect(h.state.tag).toBe('stopping');
    expect(h.spawnRequests).toBe(1);
    h.gone();
    expect(h.spawnRequests).toBe(2);
    expect(h.logs('exited')).toEqual([]);
  });

  it('escalates to SIGKILL after the kill timeout, and keeps resending it', () => {
    const h = new Harness().running();
    h.change().advance(4999);
    expect(h.signals.map((s) => s.signal)).toEqual(['SIGTERM']);
    h.advance(1);
    expect(h.signals.map((s) => s.signal)).toEqual(['SIGTERM', 'SIGKILL']);
    expect(h.logs('escalating')).toEqual([{ kind: 'escalating', pid: 100, afterMs: 5000 }]);
    h.advance(5000);
    expect(h.signals.map((s) => s.signal)).toEqual(['SIGTERM', 'SIGKILL', 'SIGKILL']);
    expect(h.logs('escalating')).toHaveLength(1);
    h.gone();
    expect(h.spawnRequests).toBe(2);
    h.advance(20_000);
    expect(h.signals).toHaveLength(3);
  });

  it('uses the configured stop signal and kill timeout', () => {
    const h = new Harness({ ...config, stopSignal: 'SIGUSR2', killTimeout: 300 }).running();
    h.change().advance(299);
    expect(h.signals.map((s) => s.signal)).toEqual(['SIGUSR2']);
    h.advance(1);
    expect(h.signals.map((s) => s.signal)).toEqual(['SIGUSR2', 'SIGKILL']);
  });

  it('uses the configured quiet window', () => {
    const h = new Harness({ ...config, delay: 700 }).running();
    h.change().gone().advance(699);
    expect(h.spawnRequests).toBe(1);
    h.advance(1);
    expect(h.spawnRequests).toBe(2);
  });

  it('an app that exits on its own has its leftovers stopped, is reported, and waits', () => {
    const h = new Harness().running();
    h.exited(1);
    expect(h.state.tag).toBe('stopping');
    expect(h.signals).toEqual([{ pid: 100, signal: 'SIGTERM' }]);
    h.gone();
    expect(h.state.tag).toBe('waiting');
    expect(h.logs('exited')).toEqual([{ kind: 'exited', exit: { code: 1, signal: null }, next: 'wait', streak: 1, retryInMs: null }]);
    h.advance(60_000);
    expect(h.spawnRequests).toBe(1);
    h.change().advance(49);
    expect(h.spawnRequests).toBe(1);
    h.advance(1);
    expect(h.spawnRequests).toBe(2);
  });

  it('a change while a crashed app’s leftovers are stopped restarts after they are gone', () => {
    const h = new Harness().running();
    h.exited(3).change().advance(60).gone();
    expect(h.spawnRequests).toBe(2);
    expect(h.logs('exited')).toEqual([{ kind: 'exited', exit: { code: 3, signal: null }, next: 'change', streak: 1, retryInMs: null }]);
  });

  it('a program that cannot start at launch ends devreload with its code', () => {
    const h = new Harness().send({ type: 'start' });
    h.send({ type: 'spawnFailed', message: 'command not found: nope', exitCode: 127 });
    expect(h.state).toEqual({ tag: 'done', exitCode: 127 });
    expect(h.exitCode).toBe(127);
    expect(h.logs('spawnFailed')).toEqual([{ kind: 'spawnFailed', message: 'command not found: nope', fatal: true }]);
  });

  it('a program that cannot start on a restart is reported and devreload keeps watching', () => {
    const h = new Harness().running();
    h.change().advance(60).gone();
    h.send({ type: 'spawnFailed', message: 'gone', exitCode: 127 });
    expect(h.state.tag).toBe('waiting');
    expect(h.exitCode).toBeNull();
    h.change().advance(60);
    expect(h.spawnRequests).toBe(3);
  });

  it('a manual restart behaves like a change without a path', () => {
    const h = new Harness().running();
    h.send({ type: 'restart' }).advance(60).gone();
    expect(h.effects.filter((e) => e.type === 'spawn').at(-1)).toEqual({ type: 'spawn', changes: { paths: [], count: 0 } });
  });

  describe('--on-exit', () => {
    it('restart: brings a crashed app back after a backoff that doubles per quick exit, and calls a crash loop', () => {
      const h = new Harness({ ...config, onExit: 'restart' }).running();
      const delays: number[] = [];
      for (let crash = 1; crash <= 6; crash++) {
        h.advance(100).exited(1).gone();
        expect(h.state.tag).toBe('backoff');
        const event = h.logs('exited').at(-1);
        expect(event).toMatchObject({ next: 'restart', streak: crash });
        delays.push((event as { retryInMs: number }).retryInMs);
        h.advance(delays.at(-1)! - 1);
        expect(h.spawnRequests).toBe(crash);
        h.advance(1);
        expect(h.spawnRequests).toBe(crash + 1);
        h.spawned();
      }
      expect(delays).toEqual([200, 400, 800, 1600, 3200, 5000]);
    });

    it('restart: a stable run resets the streak', () => {
      const h = new Harness({ ...config, onExit: 'restart' }).running();
      h.advance(100).exited(1).gone().advance(200);
      h.spawned();
      h.advance(100).exited(1).gone();
      expect(h.logs('exited').at(-1)).toMatchObject({ streak: 2, retryInMs: 400 });
      h.advance(400);
      h.spawned();
      h.advance(6000).exited(1).gone();
      expect(h.logs('exited').at(-1)).toMatchObject({ streak: 1, retryInMs: 200 });
    });

    it('restart: a change during the backoff restarts at once (after the quiet window) and resets the streak', () => {
      const h = new Harness({ ...config, onExit: 'restart' }).running();
      h.advance(100).exited(1).gone().advance(100).change();
      expect(h.timers.has('backoff')).toBe(false);
      h.advance(50);
      expect(h.spawnRequests).toBe(2);
      h.spawned();
      h.advance(100).exited(1).gone();
      expect(h.logs('exited').at(-1)).toMatchObject({ streak: 1, retryInMs: 200 });
    });

    it('restart: a shutdown during the backoff exits at once', () => {
      const h = new Harness({ ...config, onExit: 'restart' }).running();
      h.exited(1).gone().send({ type: 'shutdown', trigger: 'SIGINT' });
      expect(h.exitCode).toBe(130);
      h.advance(10_000);
      expect(h.spawnRequests).toBe(1);
    });

    it('quit: exits with the app’s code once everything is gone', () => {
      const h = new Harness({ ...config, onExit: 'quit' }).running();
      h.exited(7);
      expect(h.exitCode).toBeNull();
      h.gone();
      expect(h.exitCode).toBe(7);
      expect(h.logs('exited').at(-1)).toMatchObject({ next: 'quit' });
    });

    it('quit: an app killed by a signal gives 128 + its number', () => {
      const h = new Harness({ ...config, onExit: 'quit' }).running();
      h.exited(null, 'SIGSEGV').gone();
      expect(h.exitCode).toBe(139);
    });

    it('quit: restarts for changes as usual; only the app’s own exit ends devreload', () => {
      const h = new Harness({ ...config, onExit: 'quit' }).running();
      h.change().advance(60).exited(null, 'SIGTERM').gone();
      expect(h.exitCode).toBeNull();
      expect(h.spawnRequests).toBe(2);
    });
  });

  describe('shutdown', () => {
    it('before start exits at once', () => {
      const h = new Harness().send({ type: 'shutdown', trigger: 'SIGTERM' });
      expect(h.exitCode).toBe(143);
    });

    it('while running forwards SIGINT and exits 130 once everything is gone', () => {
      const h = new Harness().running();
      h.send({ type: 'shutdown', trigger: 'SIGINT' });
      expect(h.signals).toEqual([{ pid: 100, signal: 'SIGINT' }]);
      expect(h.exitCode).toBeNull();
      h.change().advance(100);
      expect(h.spawnRequests).toBe(1);
      h.gone();
      expect(h.exitCode).toBe(130);
      expect(h.spawnRequests).toBe(1);
    });

    it('forwards SIGTERM and exits 143', () => {
      const h = new Harness().running();
      h.send({ type: 'shutdown', trigger: 'SIGTERM' }).gone();
      expect(h.signals.map((s) => s.signal)).toEqual(['SIGTERM']);
      expect(h.exitCode).toBe(143);
    });

    it('SIGHUP stops the app with the stop signal, exits 129 and does not restart', () => {
      const h = new Harness({ ...config, stopSignal: 'SIGUSR2' }).running();
      h.send({ type: 'shutdown', trigger: 'SIGHUP' }).advance(100).gone();
      expect(h.signals.map((s) => s.signal)).toEqual(['SIGUSR2']);
      expect(h.exitCode).toBe(129);
      expect(h.spawnRequests).toBe(1);
    });

    it('escalates after the kill timeout', () => {
      const h = new Harness().running();
      h.send({ type: 'shutdown', trigger: 'SIGTERM' }).advance(5000);
      expect(h.signals.map((s) => s.signal)).toEqual(['SIGTERM', 'SIGKILL']);
    });

    it('a second SIGINT sends SIGKILL at once; one delivered twice within the window does not', () => {
      const h = new Harness().running();
      h.send({ type: 'shutdown', trigger: 'SIGINT' }).advance(5).send({ type: 'shutdown', trigger: 'SIGINT' });
      expect(h.signals.map((s) => s.signal)).toEqual(['SIGINT']);
      h.advance(400).send({ type: 'shutdown', trigger: 'SIGINT' });
      expect(h.signals.map((s) => s.signal)).toEqual(['SIGINT', 'SIGKILL']);
      expect(h.logs('forcing')).toHaveLength(1);
      h.advance(400).send({ type: 'shutdown', trigger: 'SIGINT' });
      expect(h.logs('forcing')).toHaveLength(1);
      h.gone();
      expect(h.exitCode).toBe(130);
    });

    it('while stopping for a restart cancels the restart', () => {
      const h = new Harness().running();
      h.change().send({ type: 'shutdown', trigger: 'SIGINT' }).advance(100).gone();
      expect(h.spawnRequests).toBe(1);
      expect(h.exitCode).toBe(130);
      expect(h.signals.map((s) => s.signal)).toEqual(['SIGTERM']);
    });

    it('while starting stops the new instance as soon as it is spawned', () => {
      const h = new Harness().send({ type: 'start' }).send({ type: 'shutdown', trigger: 'SIGTERM' });
      expect(h.exitCode).toBeNull();
      h.spawned();
      expect(h.signals).toEqual([{ pid: 100, signal: 'SIGTERM' }]);
      h.gone();
      expect(h.exitCode).toBe(143);
    });

    it('while starting, a failed spawn exits with the shutdown code', () => {
      const h = new Harness().send({ type: 'start' }).send({ type: 'shutdown', trigger: 'SIGINT' });
      h.send({ type: 'spawnFailed', message: 'x', exitCode: 127 });
      expect(h.exitCode).toBe(130);
    });

    it('while settling or waiting exits at once', () => {
      const settling = new Harness().running();
      settling.change().gone().send({ type: 'shutdown', trigger: 'SIGTERM' });
      expect(settling.exitCode).toBe(143);
      settling.advance(100);
      expect(settling.spawnRequests).toBe(1);

      const waiting = new Harness().running();
      waiting.exited(0).gone().send({ type: 'shutdown', trigger: 'SIGINT' });
      expect(waiting.exitCode).toBe(130);
    });

    it('a programmatic stop exits 0', () => {
      const h = new Harness().running();
      h.send({ type: 'shutdown', trigger: 'api' }).gone();
      expect(h.signals.map((s) => s.signal)).toEqual(['SIGTERM']);
      expect(h.exitCode).toBe(0);
    });

    it('after done nothing happens', () => {
      const h = new Harness().running();
      h.send({ type: 'shutdown', trigger: 'SIGTERM' }).gone();
      const before = h.effects.length;
      h.change().send({ type: 'restart' }).send({ type: 'shutdown', trigger: 'SIGINT' }).advance(10_000);
      expect(h.effects.length).toBe(before);
    });
  });

  it('ignores inputs that do not belong to the current state', () => {
    const h = new Harness().running();
    const before = h.effects.length;
    h.send({ type: 'gone' }).send({ type: 'spawned', pid: 5 }).send({ type: 'timer', timer: 'quiet' }).send({ type: 'timer', timer: 'kill' });
    h.send({ type: 'spawnFailed', message: 'x', exitCode: 1 });
    expect(h.state.tag).toBe('running');
    expect(h.effects.length).toBe(before);
  });
});
