import { existsSync, mkdtempSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { PassThrough } from 'node:stream';
import { afterEach, describe, expect, it } from 'vitest';
import { createLogger } from '../../src/log/logger.js';
import type { InstanceSpec } from '../../src/process/instance.js';
import { Prestarter } from '../../src/prestart/prestarter.js';
import type { ParkConfig, PythonWake } from '../../src/prestart/python-wake.js';
import { mtimeNs } from '../../src/prestart/python-scratch.js';
import { spareDelayMs } from '../../src/tuning.js';
import { FakeClock, FakeLauncher, FakeWatchdog, settle } from '../supervisor/fakes.js';

// The Python spares' lifecycle over fakes (python-park.py never runs here); test/runtimes drives
// the real interpreter.
let site: string;
afterEach(() => rmSync(site, { recursive: true, force: true }));

function setup(mode?: 'runtime' | 'warm') {
  site = mkdtempSync(path.join(tmpdir(), 'devreload-site-packages-'));
  const clock = new FakeClock();
  const launcher = new FakeLauncher();
  const launch = async (launched: InstanceSpec) => Object.assign(await launcher.launch(launched), { tag: `run.${launcher.specs.length}` });
  const watchdog = new FakeWatchdog();
  const stderr = new PassThrough();
  let log = '';
  stderr.on('data', (chunk: Buffer) => (log += chunk.toString()));
  const logger = createLogger({ level: 'normal', cwd: '/p', command: 'python3', stream: stderr });
  const prestarter = new Prestarter({ launch, watchdog: () => watchdog, clock, logger, userPaths: ['/p/src'], mode });
  const config = (index: number) => JSON.parse(launcher.specs[index]!.args.at(-1)!) as ParkConfig;
  const wake = (index: number) => JSON.parse(launcher.instances[index]!.written.join('').slice(11)) as PythonWake;
  /** What python-park.py reports once parked. */
  const report = (index: number, fields: object = {}) =>
    writeFileSync(config(index).status, JSON.stringify({ warm: 3, dropped: [], sites: [[site, mtimeNs(site)]], runtimeOnly: null, tainted: null, stoppedAt: null, ...fields }));
  /** A restart for these changed paths (relative to /p), as the supervisor asks for it; `count` past the paths kept. */
  const restart = (changed: readonly string[], env: NodeJS.ProcessEnv = {}, count = changed.length) => {
    prestarter.changed({ paths: changed.map((file) => path.join('/p', file)), count });
    return prestarter.launch(spec(changed, env));
  };
  return { clock, launcher, watchdog, prestarter, config, wake, report, restart, log: () => log };
}

type Setup = ReturnType<typeof setup>;

const spec = (changed: readonly string[] = [], env: NodeJS.ProcessEnv = {}): InstanceSpec => ({
  command: 'python3',
  args: ['-u', 'src/app.py', 'x'],
  cwd: '/p',
  env: { PATH: '/bin', DEVRELOAD_CHANGED: JSON.stringify(changed), ...env },
});

describe('Python spares', () => {
  it('a cold start is a spare woken at once; the next spare loads what that instance records, and is woken', async () => {
    const s = setup();
    const first = await s.prestarter.launch(spec());
    expect(s.launcher.specs[0]).toMatchObject({ command: 'python3', args: ['-u', expect.stringMatching(/prestart\/python-park\.py$/), expect.any(String)] });
    expect(s.config(0).mode).toBe('cold');
    expect(s.wake(0)).toMatchObject({ cwd: '/p', argv: ['src/app.py', 'x'], origArgv: ['-u', 'src/app.py', 'x'], run: { kind: 'script', path: 'src/app.py' } });
    expect(s.wake(0).env).toMatchObject({ DEVRELOAD_INSTANCE: 'run.1', DEVRELOAD_CHANGED: '[]' });

    await s.clock.advance(spareDelayMs);
    expect(s.config(1)).toMatchObject({ mode: 'warm', record: s.wake(0).record, user: ['/p', '/p/src'], pythonpath: null, after: expect.arrayContaining(['gevent.monkey']) });
    // site imports the empty sitecustomize/usercustomize first; the spare imports the real ones.
    expect(s.launcher.specs[1]!.env.PYTHONPATH).toBe(s.config(1).shim);
    expect(s.watchdog.lines).toEqual(['+101']);
    s.report(1);

    const woken = await s.restart(['src/app.py']);
    expect(woken.pid).toBe(101);
    expect(s.launcher.specs).toHaveLength(2);
    expect(s.wake(1)).toMatchObject({ argv: ['src/app.py', 'x'], env: { DEVRELOAD_INSTANCE: 'run.2', DEVRELOAD_CHANGED: '["src/app.py"]' } });
    expect(s.wake(1).record).not.toBe(s.wake(0).record);
    expect(s.log()).toContain('[devreload] --prestart: woke a warm Python spare (3 modules kept warm)');
    // Its report and the record it followed are not needed any more: a long session leaves no trail.
    expect(existsSync(s.config(1).status)).toBe(false);
    expect(first.pid).toBe(100);
  });

  it('--prestart=runtime: the Python spares keep the runtime only', async () => {
    const s = setup('runtime');
    await s.prestarter.launch(spec());
    await s.clock.advance(spareDelayMs);
    expect(s.config(1).mode).toBe('runtime');
  });

  it.each([
    ['a .env edit', (s: Setup) => s.restart(['.env'])],
    ['a requirements.txt edit', (s: Setup) => s.restart(['requirements.txt'])],
    ['a pip install (the site folder changed)', (s: Setup) => (utimesSync(site, new Date(), new Date(2001, 1, 1)), s.restart(['src/app.py']))],
    ['another environment', (s: Setup) => s.restart(['src/app.py'], { PYTHONPATH: '/p/lib' })],
    // A change nobody watches may be behind it: as good as a changed .env.
    ['a restart typed (rs), with no changed path', (s: Setup) => s.restart([])],
    ['more changes than the restart kept (the rest only counted)', (s: Setup) => s.restart(['src/app.py'], {}, 2)],
    // The app's DEVRELOAD_CHANGED is not what decides: the supervisor's changes are.
    ['a .env edit with a malformed DEVRELOAD_CHANGED', (s: Setup) => (s.prestarter.changed({ paths: ['/p/.env'], count: 1 }), s.prestarter.launch(spec([], { DEVRELOAD_CHANGED: '["src/ap' })))],
  ])('%s: the parked spare is killed and the start is cold', async (_, next) => {
    const s = setup();
    await s.prestarter.launch(spec());
    await s.clock.advance(spareDelayMs);
    s.report(1);
    const started = await next(s);
    await settle();
    expect(started.pid).toBe(102);
    expect(s.config(2).mode).toBe('cold');
    expect(s.launcher.instances[1]!.written).toEqual([]);
    expect(s.launcher.instances[1]!.signals).toEqual(['SIGKILL']);
    expect(s.watchdog.lines).toEqual(['+101', '-101']);
  });

  it('a spare that found an app module among the dependencies’ imports is not woken; later spares keep the runtime only', async () => {
    const s = setup();
    await s.prestarter.launch(spec());
    await s.clock.advance(spareDelayMs);
    s.report(1, { tainted: 'loading dep imports the app’s own settings (/p/src/settings.py)' });
    s.launcher.instances[1]!.die({ code: 0, signal: null });
    await settle();
    expect((await s.restart(['src/app.py'])).pid).toBe(102);
    await s.clock.advance(spareDelayMs);
    expect(s.config(3).mode).toBe('runtime');
    s.report(3, { warm: 0 });
    expect((await s.restart(['src/app.py'])).pid).toBe(103);
    expect(s.log().match(/--prestart: loading dep imports the app’s own settings \(\/p\/src\/settings\.py\): the Python spare keeps the runtime only from now on/g)).toHaveLength(1);
    expect(s.log()).toContain('--prestart: woke a runtime-only Python spare');
  });

  it('a spare whose sitecustomize is the app’s says so once, and counts as runtime-only', async () => {
    const s = setup();
    await s.prestarter.launch(spec());
    for (let round = 1; round <= 2; round++) {
      await s.clock.advance(spareDelayMs);
      s.report(round, { warm: 0, runtimeOnly: '/p/src/sitecustomize.py is the app’s own sitecustomize, which Python runs before anything else' });
      await s.restart(['src/app.py']);
    }
    expect(s.log().match(/sitecustomize\.py is the app’s own sitecustomize.*: the Python spare keeps the runtime only, to keep that order/g)).toHaveLength(1);
    expect(s.log().match(/woke a runtime-only Python spare/g)).toHaveLength(1);
  });

  it('gunicorn says once that it stays cold, and starts the ordinary way', async () => {
    const s = setup();
    const gunicorn = { ...spec(), command: 'python3', args: ['-m', 'gunicorn', 'app:app'] };
    await s.prestarter.launch(gunicorn);
    await s.prestarter.launch(gunicorn);
    await s.clock.advance(spareDelayMs * 3);
    expect(s.launcher.specs.map((launched) => launched.args)).toEqual([gunicorn.args, gunicorn.args]);
    expect(s.log().match(/--prestart does not apply: gunicorn’s master forks and manages its own workers; restarting the ordinary way/g)).toHaveLength(1);
  });

  it('close() kills the parked spare and removes the scratch folder', async () => {
    const s = setup();
    await s.prestarter.launch(spec());
    await s.clock.advance(spareDelayMs);
    const scratch = path.dirname(s.config(1).status);
    expect(existsSync(scratch)).toBe(true);
    await s.prestarter.close();
    expect(s.launcher.instances[1]!.signals).toEqual(['SIGKILL']);
    expect(existsSync(scratch)).toBe(false);
  });
});
