import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { resolveOptions, type DevreloadOptions } from '../../src/options/resolve.js';
import { Supervisor } from '../../src/supervisor/reloader.js';
import { fakePorts, settle } from './fakes.js';

// The defaults over fakes: a Node command's restart boots a spare (the park script) at its first
// change, and the start at the quiet window's end wakes it instead of launching anew.
const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

async function running(options: Partial<DevreloadOptions> = {}) {
  const fakes = fakePorts();
  const resolved = resolveOptions({ command: 'node', args: ['server.js'], cwd: repoRoot, watch: ['src'], delay: 30, ...options }, 'api');
  const supervisor = new Supervisor(resolved, { ports: fakes.ports, handleSignals: true, readStdin: true });
  const starts: number[] = [];
  supervisor.on('start', ({ pid }) => starts.push(pid));
  supervisor.on('restart', ({ pid }) => starts.push(pid));
  await supervisor.start();
  await settle();
  return { ...fakes, supervisor, starts };
}

const isSpare = (args: readonly string[]) => args.some((arg) => arg.endsWith('park.cjs'));

describe('a spare on demand (defaults, effect runner over fakes)', () => {
  it('boots at the first change, with the old instance still stopping, and is woken, not relaunched, when the window ends', async () => {
    const s = await running();
    expect(s.launcher.specs.map((spec) => isSpare(spec.args))).toEqual([false]);
    const old = s.launcher.last;
    old.obeys = false;
    s.watcher.change(path.join(repoRoot, 'src/a.ts'));
    await settle();
    // The old instance has its stop signal, and the spare is launched beside it, under the watchdog.
    expect(old.signals).toEqual(['SIGTERM']);
    expect(s.launcher.specs.map((spec) => isSpare(spec.args))).toEqual([false, true]);
    const spare = s.launcher.last;
    expect(s.watchdog.lines).toContain(`+${spare.pid}`);
    s.watcher.change(path.join(repoRoot, 'src/b.ts'));
    await s.clock.advance(1000);
    expect(spare.written).toEqual([]);
    old.die({ code: 0, signal: null });
    await settle();
    expect(s.launcher.instances).toHaveLength(2);
    expect(s.starts).toEqual([old.pid, spare.pid]);
    // The wake: the app's script and this start's own changes.
    const wake = spare.written.join('');
    expect(wake).toContain(path.join(repoRoot, 'server.js'));
    expect(wake).toContain(JSON.stringify(JSON.stringify(['src/a.ts', 'src/b.ts'])).slice(1, -1));
    // Nothing parked ahead of the next change.
    await s.clock.advance(5000);
    await settle();
    expect(s.launcher.instances).toHaveLength(2);
  });

  it('a shutdown during the window discards the spare unwoken, before the watchdog is let go', async () => {
    const s = await running();
    s.watcher.change(path.join(repoRoot, 'src/a.ts'));
    await settle();
    const spare = s.launcher.last;
    expect(isSpare(spare.spec.args)).toBe(true);
    await s.supervisor.stop();
    expect(spare.written).toEqual([]);
    expect(spare.signals).toEqual(['SIGKILL']);
    expect(s.watchdog.lines.at(-1)).toBe(`-${spare.pid}`);
    expect(s.watchdog.closed).toBe(true);
  });

  it('not with --build: the build decides when the app starts', async () => {
    const s = await running({ build: ['true'] });
    s.watcher.change(path.join(repoRoot, 'src/a.ts'));
    await settle();
    expect(s.launcher.specs.filter((spec) => isSpare(spec.args))).toEqual([]);
    await s.supervisor.stop();
  });
});
