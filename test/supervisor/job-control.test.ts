import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { burstDelayMs } from '../../src/tuning.js';
import { describe, expect, it } from 'vitest';
import { resolveOptions, type DevreloadOptions } from '../../src/options/resolve.js';
import { Supervisor } from '../../src/supervisor/reloader.js';
import { fakePorts, settle } from './fakes.js';

// Ctrl-Z through the effect runner, over fakes: what is stopped, in which order, and what time
// does across a suspension.
const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

async function running(options: Partial<DevreloadOptions> = {}) {
  const fakes = fakePorts();
  const resolved = resolveOptions({ command: 'node', args: ['server.js'], cwd: repoRoot, watch: ['src'], delay: 15, ...options }, 'api');
  const supervisor = new Supervisor(resolved, { ports: fakes.ports, handleSignals: true, readStdin: true });
  const events: string[] = [];
  supervisor.on('restart', ({ pid, ms }) => events.push(`restart ${pid} in ${ms} ms`));
  supervisor.on('kill', ({ reason }) => events.push(`kill ${reason}`));
  supervisor.on('waiting', ({ processes, killInMs }) => events.push(`waiting ${processes.map((p) => `${p.pid} ${p.command}`).join(',')} ${killInMs}`));
  await supervisor.start();
  await settle();
  return { ...fakes, supervisor, events };
}

describe('Ctrl-Z (SIGTSTP to devreload)', () => {
  it('stops the app, then devreload; once continued, continues the app and rechecks the terminal', async () => {
    const s = await running();
    const app = s.launcher.last;
    const seen: string[] = [];
    s.job.whileStopped = () => seen.push(`devreload stopped; app got ${app.signals.join(',')}`);
    s.kill('SIGTSTP');
    await settle();
    expect(seen).toEqual(['devreload stopped; app got SIGSTOP']);
    expect(app.signals).toEqual(['SIGSTOP', 'SIGCONT']);
    expect(s.job).toMatchObject({ stops: 1, rechecks: 1 });
    expect(s.launcher.instances).toHaveLength(1);
  });

  it('a change that arrives while suspended is acted on after the app was continued: one restart', async () => {
    const s = await running();
    const app = s.launcher.last;
    s.job.whileStopped = () => {
      s.watcher.change(path.join(repoRoot, 'src/a.ts'));
      s.watcher.change(path.join(repoRoot, 'src/b.ts'));
    };
    s.kill('SIGTSTP');
    await settle();
    expect(app.signals).toEqual(['SIGSTOP', 'SIGCONT', 'SIGTERM']);
    // Two files are a burst: its longer quiet window, counted from the resume.
    await s.clock.advance(burstDelayMs + 50);
    expect(s.launcher.instances).toHaveLength(2);
    expect(s.events).toEqual([`restart 101 in ${burstDelayMs} ms`]);
  });

  it('time spent suspended is not part of the restart’s duration', async () => {
    const s = await running();
    s.watcher.change(path.join(repoRoot, 'src/a.ts'));
    // Suspended inside the quiet window, for a minute.
    s.job.whileStopped = () => {
      s.clock.current += 60_000;
    };
    s.kill('SIGTSTP');
    await settle();
    await s.clock.advance(100);
    expect(s.events).toEqual(['restart 101 in 15 ms']);
  });

  it('the kill timeout does not run while suspended: an app stopping when Ctrl-Z came keeps the rest of its time', async () => {
    const s = await running({ killTimeout: 5000 });
    const app = s.launcher.last;
    app.obeys = false;
    s.watcher.change(path.join(repoRoot, 'src/a.ts'));
    await s.clock.advance(2000);
    expect(s.events).toEqual(['waiting 100 node server.js 4000']);
    // A minute passes on the monotonic clock while everything is stopped.
    s.job.whileStopped = () => {
      s.clock.current += 60_000;
    };
    s.kill('SIGTSTP');
    await settle();
    await s.clock.advance(2999);
    expect(app.signals).toEqual(['SIGTERM', 'SIGSTOP', 'SIGCONT']);
    await s.clock.advance(1);
    expect(app.signals).toEqual(['SIGTERM', 'SIGSTOP', 'SIGCONT', 'SIGKILL']);
    expect(s.events.at(-1)).toBe('kill timeout');
  });

  it('an instance being spawned when Ctrl-Z comes is stopped too', async () => {
    const s = await running();
    s.launcher.hold = true;
    s.watcher.change(path.join(repoRoot, 'src/a.ts'));
    await s.clock.advance(100);
    expect(s.launcher.instances).toHaveLength(1);
    s.kill('SIGTSTP');
    await settle();
    expect(s.job.stops).toBe(0);
    s.launcher.release();
    await settle();
    expect(s.job.stops).toBe(1);
    expect(s.launcher.last.pid).toBe(101);
    expect(s.launcher.last.signals).toEqual(['SIGSTOP', 'SIGCONT']);
  });

  it('--build: the build under way is stopped and continued, not cancelled', async () => {
    const s = await running({ build: ['tsc'] });
    // The launch build, then the app.
    const build = s.launcher.instances[0];
    expect(build?.spec.command).toBe('sh');
    s.kill('SIGTSTP');
    await settle();
    expect(build?.signals).toEqual(['SIGSTOP', 'SIGCONT']);
    build?.die({ code: 0, signal: null });
    await settle();
    expect(s.launcher.instances).toHaveLength(2);
    expect(s.launcher.last.spec.command).toBe('node');
  });
});
