import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { createLogger } from '../../src/log/logger.js';
import type { InstanceSpec } from '../../src/process/instance.js';
import { Prestarter } from '../../src/prestart/prestarter.js';
import { spareDelayMs } from '../../src/tuning.js';
import { FakeClock, FakeLauncher, FakeWatchdog, settle } from '../supervisor/fakes.js';

// The spare's lifecycle over fakes; test/e2e/prestart.test.ts drives the real thing.
function setup() {
  const clock = new FakeClock();
  const launcher = new FakeLauncher();
  // As startInstance does: every instance gets a tag of its own (the fakes make none up).
  const launch = async (launched: InstanceSpec) => Object.assign(await launcher.launch(launched), { tag: `run.${launcher.specs.length}` });
  const watchdog = new FakeWatchdog();
  const stderr = new PassThrough();
  let log = '';
  stderr.on('data', (chunk: Buffer) => (log += chunk.toString()));
  const logger = createLogger({ level: 'verbose', cwd: '/p', command: 'node', stream: stderr });
  const prestarter = new Prestarter({ launch, watchdog: () => watchdog, clock, logger });
  return { clock, launcher, watchdog, prestarter, log: () => log };
}

const spec = (env: NodeJS.ProcessEnv = {}, args = ['server.js']): InstanceSpec => ({ command: 'node', args, cwd: '/p', env: { PATH: '/bin', ...env } });

/** The wake message a spare received, decoded. */
function wakeOf(written: readonly string[]): unknown {
  const text = written.join('');
  return JSON.parse(text.slice(11));
}

describe('Prestarter', () => {
  it('starts cold, parks a spare once the delay passed, and wakes it for the next start', async () => {
    const s = setup();
    const first = await s.prestarter.launch(spec());
    expect(first.pid).toBe(100);
    await s.clock.advance(spareDelayMs - 1);
    expect(s.launcher.specs).toHaveLength(1);
    await s.clock.advance(1);
    expect(s.launcher.specs[1]).toMatchObject({ command: 'node', args: [expect.stringMatching(/prestart\/park\.cjs$/)] });
    expect(s.watchdog.lines).toEqual(['+101']);

    const woken = await s.prestarter.launch(spec({ DEVRELOAD_CHANGED: '["a.js"]' }));
    expect(woken.pid).toBe(101);
    expect(s.launcher.specs).toHaveLength(2);
    expect(wakeOf(s.launcher.instances[1]!.written)).toEqual({
      cwd: '/p',
      // PATH as a fresh spawn gets it: node_modules/.bin up the tree first; and the spare's own
      // tag, which its stop and the watchdog look for in every process the app starts.
      env: { PATH: '/p/node_modules/.bin:/node_modules/.bin:/bin', DEVRELOAD_CHANGED: '["a.js"]', DEVRELOAD_INSTANCE: 'run.2' },
      argv: ['/p/server.js'],
      execArgv: [],
      preloads: [],
    });
  });

  it('the spare boots without the preloads, which travel in the wake message instead', async () => {
    const s = setup();
    const env = { NODE_OPTIONS: '--require "/x/sock.cjs" --max-old-space-size=99' };
    await s.prestarter.launch(spec(env, ['-r', './pre.cjs', 'server.js']));
    await s.clock.advance(spareDelayMs);
    expect(s.launcher.specs[1]?.env.NODE_OPTIONS).toBe('--max-old-space-size=99');
    expect(s.launcher.specs[1]?.args.slice(0, -1)).toEqual([]);
    await s.prestarter.launch(spec(env, ['-r', './pre.cjs', 'server.js']));
    expect(wakeOf(s.launcher.instances[1]!.written)).toMatchObject({
      env: { NODE_OPTIONS: env.NODE_OPTIONS },
      execArgv: ['-r', './pre.cjs'],
      preloads: [
        { kind: 'require', specifier: '/x/sock.cjs' },
        { kind: 'require', specifier: './pre.cjs' },
      ],
    });
  });

  it('a start that needs another boot (NODE_OPTIONS changed) starts cold and kills the spare', async () => {
    const s = setup();
    await s.prestarter.launch(spec());
    await s.clock.advance(spareDelayMs);
    const spare = s.launcher.instances[1]!;
    const next = await s.prestarter.launch(spec({ NODE_OPTIONS: '--max-old-space-size=64' }));
    await settle();
    expect(next.pid).toBe(102);
    expect(spare.written).toEqual([]);
    expect(spare.signals).toEqual(['SIGKILL']);
    expect(s.watchdog.lines).toEqual(['+101', '-101']);
  });

  it('a spare that died while parked is not woken', async () => {
    const s = setup();
    await s.prestarter.launch(spec());
    await s.clock.advance(spareDelayMs);
    s.launcher.instances[1]!.die({ code: null, signal: 'SIGKILL' });
    await settle();
    expect((await s.prestarter.launch(spec())).pid).toBe(102);
  });

  it('says once why it cannot apply, and then launches the ordinary way with no spare', async () => {
    const s = setup();
    await s.prestarter.launch({ ...spec(), command: 'ruby', args: ['main.rb'] });
    await s.prestarter.launch({ ...spec(), command: 'ruby', args: ['main.rb'] });
    await s.clock.advance(spareDelayMs * 3);
    expect(s.launcher.specs.map((launched) => launched.command)).toEqual(['ruby', 'ruby']);
    expect(s.log().match(/--prestart does not apply: ruby is not a Node command/g)).toHaveLength(1);
  });

  it('close() kills the parked spare and waits for it; no spare is started afterwards', async () => {
    const s = setup();
    await s.prestarter.launch(spec());
    await s.clock.advance(spareDelayMs);
    await s.prestarter.close();
    expect(s.launcher.instances[1]!.signals).toEqual(['SIGKILL']);
    await s.prestarter.close();
    await s.clock.advance(spareDelayMs * 3);
    expect(s.launcher.specs).toHaveLength(2);
  });
});
