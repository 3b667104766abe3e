import { writeFileSync } from 'node:fs';
import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { createLogger } from '../../src/log/logger.js';
import type { InstanceSpec } from '../../src/process/instance.js';
import { Prestarter } from '../../src/prestart/prestarter.js';
import type { Recorded } from '../../src/prestart/protocol.cjs';
import { spareDelayMs, spareRecordWaitMs } from '../../src/tuning.js';
import { FakeClock, FakeLauncher, FakeWatchdog, settle } from '../supervisor/fakes.js';

// The spare's lifecycle over fakes; test/e2e/prestart.test.ts drives the real thing.
function setup(mode: 'runtime' | 'warm' = 'runtime') {
  const clock = new FakeClock();
  const launcher = new FakeLauncher();
  // As startInstance does: every instance gets a tag of its own (the fakes make none up).
  const launch = async (launched: InstanceSpec) => Object.assign(await launcher.launch(launched), { tag: `run.${launcher.specs.length}` });
  const watchdog = new FakeWatchdog();
  const stderr = new PassThrough();
  let log = '';
  stderr.on('data', (chunk: Buffer) => (log += chunk.toString()));
  const logger = createLogger({ level: 'verbose', cwd: '/p', command: 'node', stream: stderr });
  const prestarter = new Prestarter({ launch, watchdog: () => watchdog, clock, logger, mode, userPaths: ['/p'] });
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

/** The messages a warm spare received: the Park message, then (once woken) the Wake one. */
function messagesOf(written: readonly string[]): Array<Record<string, unknown>> {
  let text = written.join('');
  const messages: Array<Record<string, unknown>> = [];
  while (text.length > 0) {
    const size = Number(text.slice(0, 10));
    messages.push(JSON.parse(text.slice(11, 11 + size)) as Record<string, unknown>);
    text = text.slice(11 + size);
  }
  return messages;
}

function recordOf(written: readonly string[]): string {
  return (messagesOf(written)[1]?.record as { file: string }).file;
}

const express = '/p/node_modules/express/index.js';
const recorded = (overrides: Partial<Recorded> = {}): Recorded => ({
  v: 1,
  main: 'cjs',
  mainFile: '/p/server.js',
  roots: [{ kind: 'require', id: express, parent: '/p/server.js', env: 0 }],
  envs: [{ set: {}, unset: [] }],
  envChanged: [],
  instrumented: null,
  tainted: [],
  staleEnv: null,
  ...overrides,
});

describe('Prestarter, warm', () => {
  it('the first start runs the park script, woken at once, so that it records what it loads', async () => {
    const s = setup('warm');
    await s.prestarter.launch(spec());
    expect(s.launcher.specs[0]).toMatchObject({ command: 'node', args: [expect.stringMatching(/prestart\/park\.cjs$/), '--warm'] });
    const [park, wake] = messagesOf(s.launcher.instances[0]!.written);
    expect(park).toMatchObject({ roots: [], main: null, script: '/p/server.js' });
    expect(wake).toMatchObject({ argv: ['/p/server.js'], record: { file: expect.stringMatching(/run\.1\.record\.json$/), userRoots: ['/p'] } });
    await s.prestarter.close();
  });

  it('the next spare waits for what the instance loaded, then loads the same roots; woken, a line says how many modules', async () => {
    const s = setup('warm');
    await s.prestarter.launch(spec());
    await s.clock.advance(spareDelayMs * 3);
    // Nothing recorded yet: the app is still loading.
    expect(s.launcher.specs).toHaveLength(1);
    writeFileSync(recordOf(s.launcher.instances[0]!.written), JSON.stringify(recorded()));
    await s.clock.advance(spareDelayMs);
    expect(s.launcher.specs[1]?.args.at(-1)).toBe('--warm');
    expect(messagesOf(s.launcher.instances[1]!.written)[0]).toMatchObject({ roots: recorded().roots, main: 'cjs', report: expect.stringMatching(/run\.2\.spare\.json$/) });
    const report = (messagesOf(s.launcher.instances[1]!.written)[0] as { report: string }).report;
    writeFileSync(report, JSON.stringify({ files: [], loaded: 58, dropped: [], unusable: false }));
    s.prestarter.changed({ paths: ['/p/src/app.ts'], count: 1 });
    const woken = await s.prestarter.launch(spec());
    expect(woken.pid).toBe(101);
    expect(s.log()).toContain('--prestart: woke a warm Node spare (58 modules kept warm)');
    expect(messagesOf(s.launcher.instances[1]!.written)[1]).toMatchObject({ record: { file: expect.stringMatching(/run\.2\.record\.json$/) } });
    await s.prestarter.close();
  });

  it('an instance that never says what it loaded does not hold the next spare back for long', async () => {
    const s = setup('warm');
    await s.prestarter.launch(spec());
    await s.clock.advance(spareRecordWaitMs + spareDelayMs);
    expect(s.launcher.specs).toHaveLength(2);
    expect(messagesOf(s.launcher.instances[1]!.written)[0]).toMatchObject({ roots: [] });
    await s.prestarter.close();
  });

  it('a spare is not woken once a file a dependency may read changed: the start is cold, recorded, and --verbose says why', async () => {
    const s = setup('warm');
    await s.prestarter.launch(spec());
    await s.clock.advance(spareRecordWaitMs + spareDelayMs);
    const spare = s.launcher.instances[1]!;
    s.prestarter.changed({ paths: ['/p/src/app.ts', '/p/.env'], count: 2 });
    const next = await s.prestarter.launch(spec());
    await settle();
    expect(next.pid).toBe(102);
    expect(spare.signals).toEqual(['SIGKILL']);
    expect(s.launcher.specs[2]?.args.at(-1)).toBe('--warm');
    expect(s.log()).toContain('--prestart: .env changed: starting cold');
    // rs: a restart for a change devreload may not have seen.
    await s.clock.advance(spareRecordWaitMs + spareDelayMs);
    s.prestarter.changed({ paths: [], count: 0 });
    await s.prestarter.launch(spec());
    expect(s.log()).toContain('--prestart: a restart without a known change: starting cold');
    await s.prestarter.close();
  });

  it('the app’s own preloads keep only Node warm, said once', async () => {
    const s = setup('warm');
    await s.prestarter.launch(spec({}, ['-r', './tracing.js', 'server.js']));
    await s.clock.advance(spareDelayMs);
    await s.prestarter.launch(spec({}, ['-r', './tracing.js', 'server.js']));
    expect(s.launcher.specs.map((launched) => launched.args.at(-1))).toEqual(['server.js', expect.stringMatching(/park\.cjs$/)]);
    expect(s.log().match(/keeping only Node warm \(a runtime spare\): -r \.\/tracing\.js must run before the app's dependencies load/g)).toHaveLength(1);
    await s.prestarter.close();
  });

  it('an app that hooks the module loader gets runtime spares from then on, said once', async () => {
    const s = setup('warm');
    await s.prestarter.launch(spec());
    writeFileSync(recordOf(s.launcher.instances[0]!.written), JSON.stringify(recorded({ instrumented: 'something replaced require()' })));
    await s.clock.advance(spareDelayMs);
    expect(s.launcher.specs[1]?.args.at(-1)).toMatch(/park\.cjs$/);
    await s.prestarter.launch(spec());
    await s.clock.advance(spareDelayMs);
    expect(s.launcher.specs.map((launched) => launched.args.at(-1))).toEqual(['--warm', expect.stringMatching(/park\.cjs$/), expect.stringMatching(/park\.cjs$/)]);
    expect(s.log().match(/keeping only Node warm \(a runtime spare\): something replaced require\(\), and instrumentation must see/g)).toHaveLength(1);
    await s.prestarter.close();
  });
});
