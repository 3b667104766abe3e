import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { DevreloadError } from '../../src/errors.js';
import { resolveOptions, type DevreloadOptions } from '../../src/options/resolve.js';
import type { SupervisorPorts } from '../../src/supervisor/ports.js';
import { Supervisor } from '../../src/supervisor/reloader.js';
import { fakePorts, settle } from './fakes.js';

// The effect runner over fakes: no process, no file, no real timer; each test runs in milliseconds.
const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

function setup(options: Partial<DevreloadOptions> = {}, replace: Partial<SupervisorPorts> = {}) {
  const fakes = fakePorts();
  Object.assign(fakes.ports, replace);
  // Not a Node command: a Node one gets a spare launched at each restart's first change
  // (prestart/), which spare-on-demand.test.ts follows on its own.
  const resolved = resolveOptions({ command: 'ruby', args: ['server.rb'], cwd: repoRoot, watch: ['src'], delay: 15, logLevel: 'verbose', ...options }, 'api');
  const supervisor = new Supervisor(resolved, { ports: fakes.ports, handleSignals: true, readStdin: true });
  const events: string[] = [];
  supervisor.on('start', ({ pid }) => events.push(`start ${pid}`));
  supervisor.on('change', ({ paths }) => events.push(`change ${paths.join(',')}`));
  supervisor.on('stop', ({ pid, signal, reason }) => events.push(`stop ${pid} ${signal} ${reason}`));
  supervisor.on('kill', ({ pid, reason }) => events.push(`kill ${pid} ${reason}`));
  supervisor.on('restart', ({ pid, paths }) => events.push(`restart ${pid} ${paths.join(',')}`));
  supervisor.on('exit', ({ code, next }) => events.push(`exit ${code} ${next}`));
  supervisor.on('spawnError', ({ fatal }) => events.push(`spawnError ${fatal ? 'fatal' : 'not fatal'}`));
  supervisor.on('build', (build) => events.push(`build ${build.phase}`));
  return { ...fakes, supervisor, events };
}

type Setup = ReturnType<typeof setup>;

async function running(options: Partial<DevreloadOptions> = {}): Promise<Setup> {
  const s = setup(options);
  await s.supervisor.start();
  await settle();
  expect(s.launcher.instances).toHaveLength(1);
  return s;
}

const changed = (s: Setup, index: number) => JSON.parse(s.launcher.specs[index]?.env.DEVRELOAD_CHANGED ?? 'null') as unknown;

/** What every shutdown must leave: nothing scheduled, every adapter released. */
function expectReleased(s: Setup): void {
  expect(s.clock.pending, 'timers left scheduled').toBe(0);
  expect(s.watcher.closed).toBe(true);
  expect(s.watchdog.closed).toBe(true);
  expect(s.disposed).toEqual({ signals: 1, controls: 1, suspend: 1, parent: 1 });
}

describe('Supervisor (effect runner over fakes)', () => {
  it('starts one instance, guarded by the watchdog, with an empty change list', async () => {
    const s = await running();
    expect(s.events).toEqual(['start 100']);
    expect(s.watchdog.lines).toEqual(['+100']);
    expect(changed(s, 0)).toEqual([]);
    expect(s.launcher.specs[0]).toMatchObject({ command: 'ruby', args: ['server.rb'], cwd: repoRoot });
  });

  it('with --ready /regex/ the app’s output is tapped and copied to the injected stdout and stderr, not to this process’s', async () => {
    const s = await running({ ready: '/listening/' });
    const spec = s.launcher.specs[0];
    expect(spec?.onOutputLine).toBeTypeOf('function');
    expect(spec?.copyTo?.stdout).toBe(s.ports.stdout);
    expect(spec?.copyTo?.stderr).toBe(s.ports.stderr);
  });

  it('a change while stopping joins the owed restart: one new instance, started only once the old one is gone', async () => {
    const s = await running();
    s.launcher.last.obeys = false;
    s.watcher.change(path.join(repoRoot, 'src/a.ts'));
    await settle();
    expect(s.launcher.last.signals).toEqual(['SIGTERM']);
    s.watcher.change(path.join(repoRoot, 'src/b.ts'));
    await s.clock.advance(1000);
    // Still stopping: no second signal, no second instance.
    expect(s.launcher.instances).toHaveLength(1);
    expect(s.launcher.instances[0]?.signals).toEqual(['SIGTERM']);

    s.launcher.instances[0]?.die({ code: 0, signal: null });
    await settle();
    expect(s.launcher.instances).toHaveLength(2);
    expect(changed(s, 1)).toEqual(['src/a.ts', 'src/b.ts']);
    expect(s.watchdog.lines).toEqual(['+100', '-100', '+101']);
    expect(s.events).toEqual(['start 100', 'change src/a.ts', 'stop 100 SIGTERM restart', 'restart 101 src/a.ts,src/b.ts']);
  });

  it('an app that ignores the stop signal gets SIGKILL at the kill timeout, and again each period', async () => {
    const s = await running({ killTimeout: 2000 });
    const app = s.launcher.last;
    // This instance ignores signals: only the test ends it.
    app.obeys = false;
    s.watcher.change(path.join(repoRoot, 'src/a.ts'));
    await s.clock.advance(1999);
    expect(app.signals).toEqual(['SIGTERM']);
    await s.clock.advance(1);
    expect(app.signals).toEqual(['SIGTERM', 'SIGKILL']);
    await s.clock.advance(2000);
    expect(app.signals).toEqual(['SIGTERM', 'SIGKILL', 'SIGKILL']);
    expect(s.events).toContain('kill 100 timeout');
    app.die({ code: null, signal: 'SIGKILL' });
    await settle();
    expect(s.launcher.instances).toHaveLength(2);
  });

  // Before the input queue, stop() called from a listener ran inside the change's effects:
  // the restart's quiet timer was set after the shutdown had cleared it, and outlived it.
  it('a listener that calls stop() from inside an event runs after the transition, not inside it', async () => {
    const s = await running();
    s.launcher.last.obeys = false;
    const order: string[] = [];
    s.supervisor.on('change', () => {
      order.push('change');
      void s.supervisor.stop();
      // Queued, not run: the transition that announced the change is not finished yet.
      order.push(`timers ${s.clock.pending}`);
    });
    s.supervisor.on('stop', ({ reason }) => order.push(`stop ${reason}`));
    s.watcher.change(path.join(repoRoot, 'src/a.ts'));
    await settle();
    // The change's transition set the kill, notice and quiet timers; the shutdown then cleared the quiet one.
    expect(order).toEqual(['change', 'timers 3', 'stop restart']);
    expect(s.clock.pending).toBe(2);
    s.launcher.last.die({ code: null, signal: 'SIGTERM' });
    await expect(s.supervisor.exited).resolves.toBe(0);
    expect(s.launcher.instances).toHaveLength(1);
    expectReleased(s);
  });

  it('a listener that calls restart() from the start event restarts once, after the start is announced', async () => {
    const s = setup();
    let asked = false;
    s.supervisor.on('start', () => {
      if (asked) return;
      asked = true;
      s.supervisor.restart();
    });
    await s.supervisor.start();
    await settle();
    await s.clock.advance(100);
    expect(s.launcher.instances).toHaveLength(2);
    expect(s.events).toEqual(['start 100', 'change ', 'stop 100 SIGTERM restart', 'restart 101 ']);
  });

  it('restart() while the next instance is still being spawned: that one is stopped as soon as it exists, and one more follows', async () => {
    const s = await running();
    s.launcher.hold = true;
    s.supervisor.restart();
    await settle();
    await s.clock.advance(100);
    // 100 is gone and the quiet window has passed: 101 is being spawned.
    expect(s.launcher.specs).toHaveLength(2);
    expect(s.launcher.instances).toHaveLength(1);
    s.supervisor.restart();
    s.launcher.hold = false;
    s.launcher.release();
    await settle();
    await s.clock.advance(100);
    expect(s.launcher.instances.map((instance) => [instance.pid, instance.signals])).toEqual([[100, ['SIGTERM']], [101, ['SIGTERM']], [102, []]]);
    expect(s.events).toEqual(['start 100', 'change ', 'stop 100 SIGTERM restart', 'restart 101 ', 'change ', 'stop 101 SIGTERM restart', 'restart 102 ']);
  });

  it('a spawn error after a change is reported, and the next change starts the app again', async () => {
    const s = await running();
    s.launcher.failNext(new DevreloadError('command not found: node', { exitCode: 127 }));
    s.watcher.change(path.join(repoRoot, 'src/a.ts'));
    await s.clock.advance(100);
    expect(s.launcher.specs).toHaveLength(2);
    expect(s.events).toContain('spawnError not fatal');
    expect(s.log.join('\n')).toMatch(/command not found: node/);
    expect(s.watchdog.lines).toEqual(['+100', '-100']);

    s.watcher.change(path.join(repoRoot, 'src/b.ts'));
    await s.clock.advance(100);
    expect(s.launcher.instances).toHaveLength(2);
    expect(s.watchdog.lines).toEqual(['+100', '-100', '+101']);
    expect(changed(s, 2)).toEqual(['src/b.ts']);
  });

  it('a first spawn that fails ends devreload with the error’s exit code and releases everything', async () => {
    const s = setup();
    s.launcher.failNext(new DevreloadError('command not found: node', { exitCode: 127 }));
    await s.supervisor.start();
    await expect(s.supervisor.exited).resolves.toBe(127);
    expect(s.events).toEqual(['spawnError fatal']);
    expectReleased(s);
  });

  it('a watcher that cannot be created stops the app that already started, then start() rejects', async () => {
    const s = setup({}, { watch: () => Promise.reject(new DevreloadError('Cannot read /p/.gitignore (EACCES)')) });
    await expect(s.supervisor.start()).rejects.toThrow(/Cannot read/);
    expect(s.launcher.instances).toHaveLength(1);
    expect(s.launcher.last.signals).toEqual(['SIGTERM']);
    await expect(s.supervisor.exited).resolves.toBe(0);
    expect(s.clock.pending).toBe(0);
  });

  it('--build: each step runs through sh with DEVRELOAD_CHANGED, guarded by the watchdog; the app keeps serving until the build succeeded', async () => {
    const s = setup({ build: ['tsc -p .', 'cp -r assets dist/'] });
    await s.supervisor.start();
    await settle();
    expect(s.launcher.specs.map((spec) => [spec.command, ...spec.args])).toEqual([['sh', '-c', 'tsc -p .']]);
    s.launcher.last.die({ code: 0, signal: null });
    await settle();
    expect(s.launcher.specs[1]).toMatchObject({ command: 'sh', args: ['-c', 'cp -r assets dist/'] });
    s.launcher.last.die({ code: 0, signal: null });
    await settle();
    expect(s.launcher.specs[2]).toMatchObject({ command: 'ruby', args: ['server.rb'] });
    const app = s.launcher.last;
    expect(s.watchdog.lines).toEqual(['+100', '-100', '+101', '-101', '+102']);

    s.watcher.change(path.join(repoRoot, 'src/a.ts'));
    await s.clock.advance(100);
    const build = s.launcher.last;
    expect(build.spec).toMatchObject({ command: 'sh', args: ['-c', 'tsc -p .'] });
    expect(build.spec.env.DEVRELOAD_CHANGED).toBe('["src/a.ts"]');
    build.die({ code: 2, signal: null });
    await settle();
    // The first step failed: no second step, nothing stopped, the app goes on.
    expect(app.signals).toEqual([]);
    expect(s.launcher.specs).toHaveLength(4);
    expect(s.events).toContain('build failed');
  });

  describe('shutdown in every state', () => {
    it('idle: stop() before start() launches nothing, and start() afterwards does nothing', async () => {
      const s = setup();
      await expect(s.supervisor.stop()).resolves.toBe(0);
      await s.supervisor.start();
      expect(s.launcher.specs).toHaveLength(0);
      expect(s.watcher.request).toBeUndefined();
      expect(s.clock.pending).toBe(0);
    });

    it('starting: the instance still being spawned is stopped as soon as it exists', async () => {
      const s = setup();
      s.launcher.hold = true;
      await s.supervisor.start();
      const exited = s.supervisor.stop();
      s.launcher.release();
      await settle();
      expect(s.launcher.last.signals).toEqual(['SIGTERM']);
      await expect(exited).resolves.toBe(0);
      expect(s.launcher.instances).toHaveLength(1);
      expectReleased(s);
    });

    it('running: SIGINT is forwarded as SIGINT and devreload exits 130', async () => {
      const s = await running();
      s.kill('SIGINT');
      await expect(s.supervisor.exited).resolves.toBe(130);
      expect(s.launcher.last.signals).toEqual(['SIGINT']);
      expectReleased(s);
    });

    it('stopping for a restart: the stop becomes the shutdown, with no second signal and no new instance', async () => {
      const s = await running();
      const app = s.launcher.last;
      app.obeys = false;
      s.watcher.change(path.join(repoRoot, 'src/a.ts'));
      await settle();
      s.kill('SIGTERM');
      await s.clock.advance(100);
      expect(app.signals).toEqual(['SIGTERM']);
      app.die({ code: null, signal: 'SIGTERM' });
      await expect(s.supervisor.exited).resolves.toBe(143);
      expect(s.launcher.instances).toHaveLength(1);
      expectReleased(s);
    });

    it('stopping: a second Ctrl-C after the duplicate window forces SIGKILL; one inside it does not', async () => {
      const s = await running();
      const app = s.launcher.last;
      app.obeys = false;
      s.kill('SIGINT');
      await s.clock.advance(5);
      s.kill('SIGINT');
      await settle();
      expect(app.signals).toEqual(['SIGINT']);
      await s.clock.advance(400);
      s.kill('SIGINT');
      await settle();
      expect(app.signals).toEqual(['SIGINT', 'SIGKILL']);
      app.die({ code: null, signal: 'SIGKILL' });
      await expect(s.supervisor.exited).resolves.toBe(130);
      expectReleased(s);
    });

    it('under a parent that forwards Ctrl-C (npm run), its copy 200 ms late is no second press; a press after 500 ms forces', async () => {
      const s = setup({}, { signalsForwarded: () => true });
      await s.supervisor.start();
      await settle();
      const app = s.launcher.last;
      app.obeys = false;
      s.kill('SIGINT');
      await s.clock.advance(200);
      s.kill('SIGINT');
      await settle();
      expect(app.signals).toEqual(['SIGINT']);
      expect(s.log.join('\n')).not.toMatch(/second interrupt/);
      await s.clock.advance(300);
      s.kill('SIGINT');
      await settle();
      expect(app.signals).toEqual(['SIGINT', 'SIGKILL']);
      app.die({ code: null, signal: 'SIGKILL' });
      await expect(s.supervisor.exited).resolves.toBe(130);
      expectReleased(s);
    });

    it('settling: the old instance is gone and the quiet window runs; nothing more starts', async () => {
      const s = await running({ delay: 500 });
      s.watcher.change(path.join(repoRoot, 'src/a.ts'));
      await s.clock.advance(10);
      expect(s.launcher.last.signals).toEqual(['SIGTERM']);
      void s.supervisor.stop();
      await expect(s.supervisor.exited).resolves.toBe(0);
      await s.clock.advance(1000);
      expect(s.launcher.instances).toHaveLength(1);
      expectReleased(s);
    });

    it('waiting: after the app exited on its own, stop() exits at once', async () => {
      const s = await running();
      s.launcher.last.die({ code: 1, signal: null });
      await settle();
      expect(s.events.at(-1)).toBe('exit 1 wait');
      await expect(s.supervisor.stop()).resolves.toBe(0);
      expect(s.launcher.instances).toHaveLength(1);
      expectReleased(s);
    });

    it('backoff (--on-exit restart): stop() cancels the pending restart', async () => {
      const s = await running({ onExit: 'restart' });
      s.launcher.last.die({ code: 1, signal: null });
      await settle();
      expect(s.events.at(-1)).toBe('exit 1 restart');
      expect(s.clock.pending).toBe(1);
      await expect(s.supervisor.stop()).resolves.toBe(0);
      await s.clock.advance(10_000);
      expect(s.launcher.instances).toHaveLength(1);
      expectReleased(s);
    });

    it('stop() twice resolves both with the same code and stops once', async () => {
      const s = await running();
      const [a, b] = await Promise.all([s.supervisor.stop(), s.supervisor.stop()]);
      expect([a, b]).toEqual([0, 0]);
      expect(s.launcher.last.signals).toEqual(['SIGTERM']);
      expectReleased(s);
    });
  });
});
