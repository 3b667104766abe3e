import { closeSync, openSync } from 'node:fs';
import { chmod, mkdir, mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { DevreloadError } from '../../src/errors.js';
import { startInstance, type Instance, type InstanceSpec } from '../../src/process/instance.js';
import { readProcessTable, type TableSource } from '../../src/process/table.js';

const FIXTURES = resolve(import.meta.dirname, '../../fixtures/process');
const fixture = (name: string) => join(FIXTURES, name);
const TIMEOUT_MS = 10_000;
// Asserting that nothing happens needs a window; a bug shows in ms (first scan runs at exit).
const PENDING_WINDOW_MS = 300;

let dir = '';
const instances: Instance[] = [];
const extraGroups: number[] = [];

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'devreload-instance-'));
});

afterEach(async () => {
  for (const instance of instances.splice(0)) await instance.signal('SIGKILL');
  for (const group of extraGroups.splice(0)) {
    try { process.kill(-group, 'SIGKILL'); } catch { /* already gone */ }
  }
  await rm(dir, { recursive: true, force: true });
  vi.unstubAllEnvs();
});

async function start(overrides: Partial<InstanceSpec> & Pick<InstanceSpec, 'command' | 'args'>): Promise<Instance> {
  const instance = await startInstance({ cwd: dir, env: { ...process.env }, ...overrides });
  instances.push(instance);
  return instance;
}

const node = (script: string, ...args: string[]) => ({ command: process.execPath, args: [fixture(script), ...args] });

async function waitFor<T>(what: string, probe: () => Promise<T | undefined>): Promise<T> {
  const deadline = Date.now() + TIMEOUT_MS;
  let last: unknown;
  while (Date.now() < deadline) {
    try {
      const value = await probe();
      if (value !== undefined) return value;
    } catch (error) {
      last = error;
    }
    await new Promise((done) => setTimeout(done, 10));
  }
  const files = await readdir(dir).catch(() => []);
  throw new Error(`timed out after ${TIMEOUT_MS} ms waiting for ${what}; files in ${dir}: ${files.join(', ')}; last error: ${String(last)}`);
}

const report = (name: string) =>
  waitFor(`report ${name}`, async () => JSON.parse(await readFile(join(dir, name), 'utf8')) as { pid: number });

/** Alive = in the table and not a zombie (this machine's init reaps orphans lazily). */
async function isLive(pid: number): Promise<boolean> {
  return (await readProcessTable('proc')).some((entry) => entry.pid === pid && !entry.zombie);
}

const waitDead = (pid: number) => waitFor(`pid ${pid} to die`, async () => ((await isLive(pid)) ? undefined : true));

async function expectPending(promise: Promise<unknown>, what: string): Promise<void> {
  const window = new Promise((done) => setTimeout(() => done('pending'), PENDING_WINDOW_MS));
  expect(await Promise.race([promise.then(() => 'settled'), window]), what).toBe('pending');
}

/** Runs `body`, then fails if `event` fired meanwhile or within a few event-loop turns after. */
async function expectNo(event: 'unhandledRejection' | 'uncaughtException' | 'SIGTERM', body: () => Promise<void>): Promise<void> {
  const seen: unknown[] = [];
  const onEvent = (error: unknown) => seen.push(error);
  process.on(event, onEvent);
  try {
    await body();
    await new Promise((done) => setTimeout(done, 50));
    expect(seen, event).toEqual([]);
  } finally {
    process.off(event, onEvent);
  }
}

const withTimeout = <T>(promise: Promise<T>, what: string) =>
  Promise.race([promise, new Promise<never>((_, fail) => setTimeout(() => fail(new Error(`timed out: ${what}`)), TIMEOUT_MS))]);

describe('startInstance: exit and gone', () => {
  it('resolves exited and gone with the exit code of a clean exit', async () => {
    const instance = await start(node('exit-with.js', '3'));
    expect(await instance.exited).toEqual({ code: 3, signal: null });
    expect(await withTimeout(instance.gone, 'gone')).toEqual({ code: 3, signal: null });
  });

  it('resolves with the signal that killed the app', async () => {
    const instance = await start(node('forever.js', join(dir, 'app.json')));
    expect((await report('app.json')).pid).toBe(instance.pid);
    expect(await instance.signal('SIGTERM')).toEqual([instance.pid]);
    expect(await instance.exited).toEqual({ code: null, signal: 'SIGTERM' });
    expect(await withTimeout(instance.gone, 'gone')).toEqual({ code: null, signal: 'SIGTERM' });
  });

  it('keeps gone pending while a grandchild in the group lives on after the leader exited', async () => {
    const instance = await start(node('spawn-child.js', join(dir, 'leader.json'), 'group', 'exit', fixture('forever.js'), join(dir, 'child.json')));
    const { pid: child } = await report('child.json');
    expect(await instance.exited).toEqual({ code: 0, signal: null });
    await expectPending(instance.gone, 'gone while the grandchild lives');
    expect(await isLive(child)).toBe(true);
    process.kill(child, 'SIGKILL');
    expect(await withTimeout(instance.gone, 'gone')).toEqual({ code: 0, signal: null });
    expect(await isLive(child)).toBe(false);
  });

  it('keeps gone pending while a grandchild ignores SIGTERM, until SIGKILL', async () => {
    const chain = node('spawn-child.js', join(dir, 'leader.json'), 'group', 'stay', fixture('forever.js'), join(dir, 'child.json'), '--ignore-term');
    const instance = await start(chain);
    const { pid: child } = await report('child.json');
    expect(await instance.signal('SIGTERM')).toEqual(expect.arrayContaining([instance.pid, child]));
    expect(await instance.exited).toEqual({ code: null, signal: 'SIGTERM' });
    await expectPending(instance.gone, 'gone while a grandchild ignores SIGTERM');
    expect(await isLive(child)).toBe(true);
    // The leader is gone but its group is not: signal() must still reach it.
    expect(await instance.signal('SIGKILL')).toEqual([child]);
    expect(await withTimeout(instance.gone, 'gone')).toEqual({ code: null, signal: 'SIGTERM' });
  });
});

describe.each<TableSource>(['proc', 'ps'])('startInstance: escaped (setsid) grandchildren via %s', (tableSource) => {
  // leader -(same group)-> child -(setsid)-> grandchild
  const escapingChain = (...grandchildFlags: string[]) =>
    node('spawn-child.js', join(dir, 'leader.json'), 'group', 'stay', fixture('spawn-child.js'), join(dir, 'child.json'),
      'detached', 'stay', fixture('forever.js'), join(dir, 'grandchild.json'), ...grandchildFlags);

  it('finds and signals a detached grandchild while its parent lives, reports it once, and gone waits for it', async () => {
    const escaped: number[] = [];
    const instance = await start({ ...escapingChain(), tableSource, onEscaped: (pid) => escaped.push(pid) });
    const { pid: child } = await report('child.json');
    const { pid: grandchild } = await report('grandchild.json');
    extraGroups.push(grandchild);
    const signalled = await instance.signal('SIGTERM');
    expect(signalled).toEqual(expect.arrayContaining([instance.pid, child, grandchild]));
    // Reported to the caller (the watchdog), once however many scans see it.
    expect(escaped).toEqual([grandchild]);
    await withTimeout(instance.gone, 'gone');
    expect(await isLive(grandchild)).toBe(false);
  });

  it('remembers a detached grandchild that survived SIGTERM and outlived its parent', async () => {
    const instance = await start({ ...escapingChain('--ignore-term'), tableSource });
    const { pid: child } = await report('child.json');
    const { pid: grandchild } = await report('grandchild.json');
    extraGroups.push(grandchild);
    expect(await instance.signal('SIGTERM')).toEqual(expect.arrayContaining([instance.pid, child, grandchild]));
    await waitDead(child);
    // Reparented to init now: only the remembered pid leads to it.
    await expectPending(instance.gone, 'gone while the escaped grandchild lives');
    expect(await isLive(grandchild)).toBe(true);
    expect(await instance.signal('SIGKILL')).toEqual([grandchild]);
    expect(await withTimeout(instance.gone, 'gone')).toEqual({ code: null, signal: 'SIGTERM' });
  });
});

describe('startInstance: isolation', () => {
  it('keeps devreload out of reach of a signal the app sends to its own group', async () => {
    // Listening turns a SIGTERM reaching this worker into a recorded failure, not a crash.
    await expectNo('SIGTERM', async () => {
      const instance = await start(node('kill-own-group.js'));
      expect(await instance.exited).toEqual({ code: null, signal: 'SIGTERM' });
      await withTimeout(instance.gone, 'gone');
    });
  });
});

describe('startInstance: spawn errors', () => {
  async function expectStartError(spec: Partial<InstanceSpec>, message: string | RegExp): Promise<void> {
    const failure = startInstance({ command: process.execPath, args: [], cwd: dir, env: { ...process.env }, ...spec });
    await expect(failure).rejects.toThrow(DevreloadError);
    await expect(failure).rejects.toThrow(message);
  }

  it('names a command that is not found', async () => {
    await expectNo('unhandledRejection', () =>
      expectStartError({ command: 'devreload-no-such-command' }, /^command not found: devreload-no-such-command \(/));
  });

  it('names a program that is not executable', async () => {
    const script = join(dir, 'not-executable.sh');
    await writeFile(script, '#!/bin/sh\necho hi\n', { mode: 0o644 });
    await expectStartError({ command: script }, `command is not executable: ${script} (`);
  });

  it('names a working directory that does not exist', async () => {
    const missing = join(dir, 'missing');
    await expectStartError({ cwd: missing }, `working directory not found: ${missing} (`);
  });
});

describe('startInstance: what the app receives', () => {
  type Echo = { args: string[]; stdin: string; cwd: string; env: { probe: string | null; leak: string | null } };
  const readEcho = async () => JSON.parse(await readFile(join(dir, 'echo.json'), 'utf8')) as Echo;

  it('passes arguments byte for byte, with no shell in between', async () => {
    const args = ['a b', '"double"', "'single'", '$(touch pwned1)', '`touch pwned2`', 'x; touch pwned3', '', '*', '\\n', 'ünïcødé', '--flag=1'];
    const instance = await start(node('echo.js', join(dir, 'echo.json'), ...args));
    instance.closeStdin();
    expect(await instance.exited).toEqual({ code: 0, signal: null });
    expect((await readEcho()).args).toEqual(args);
    expect((await readdir(dir)).filter((name) => name.startsWith('pwned'))).toEqual([]);
  });

  it('feeds write() to the app stdin', async () => {
    const instance = await start(node('echo.js', join(dir, 'echo.json')));
    instance.write('hello ');
    instance.write(new Uint8Array([0, 255, 10]));
    instance.closeStdin();
    expect(await instance.exited).toEqual({ code: 0, signal: null });
    const stdin = Buffer.from((await readEcho()).stdin, 'base64');
    expect(stdin).toEqual(Buffer.concat([Buffer.from('hello '), Buffer.from([0, 255, 10])]));
  });

  it('ignores writes once the app closed its stdin (EPIPE) or exited', async () => {
    await expectNo('uncaughtException', async () => {
      const instance = await start(node('close-stdin.js', join(dir, 'app.json')));
      await report('app.json');
      instance.write('x'.repeat(1 << 20));
      await instance.signal('SIGKILL');
      await withTimeout(instance.gone, 'gone');
      instance.write('too late');
      instance.closeStdin();
    });
  });

  it('gives the app exactly the environment and working directory it was given', async () => {
    vi.stubEnv('DEVRELOAD_LEAK', 'from devreload');
    const env = { PATH: process.env.PATH, DEVRELOAD_PROBE: 'given' };
    const instance = await start({ ...node('echo.js', join(dir, 'echo.json')), env });
    instance.closeStdin();
    await instance.exited;
    const echo = await readEcho();
    expect(echo.env).toEqual({ probe: 'given', leak: null });
    expect(echo.cwd).toBe(dir);
  });

  it('resolves commands from node_modules/.bin like an npm script', async () => {
    const bin = join(dir, 'node_modules', '.bin');
    await mkdir(bin, { recursive: true });
    await writeFile(join(bin, 'local-tool'), '#!/bin/sh\necho "$@" > local-tool.out\n');
    await chmod(join(bin, 'local-tool'), 0o755);
    const instance = await start({ command: 'local-tool', args: ['ran', 'locally'] });
    expect(await instance.exited).toEqual({ code: 0, signal: null });
    expect(await readFile(join(dir, 'local-tool.out'), 'utf8')).toBe('ran locally\n');
  });
});

describe('startInstance: extra fds and output lines', () => {
  it('passes extra fds to the app as fd 3, 4, … in the order given', async () => {
    const files = [join(dir, 'second.txt'), join(dir, 'first.txt')];
    const fds = files.map((file) => openSync(file, 'w'));
    try {
      const script = "const fs = require('fs'); fs.writeSync(3, 'fd 3'); fs.writeSync(4, 'fd 4');";
      const instance = await start({ command: process.execPath, args: ['-e', script], fds });
      expect(await instance.exited).toEqual({ code: 0, signal: null });
    } finally {
      for (const fd of fds) closeSync(fd);
    }
    expect(await Promise.all(files.map((file) => readFile(file, 'utf8')))).toEqual(['fd 3', 'fd 4']);
  });

  it('reports every output line and still copies every byte on to devreload\'s stdout/stderr', async () => {
    const copied = { stdout: [] as string[], stderr: [] as string[] };
    const capture = (stream: 'stdout' | 'stderr') =>
      vi.spyOn(process[stream], 'write').mockImplementation((chunk: string | Uint8Array) => {
        copied[stream].push(Buffer.from(chunk).toString());
        return true;
      });
    const spies = [capture('stdout'), capture('stderr')];
    const lines: [string, string][] = [];
    try {
      const script = "process.stdout.write('one\\ntwo\\r'); setTimeout(() => process.stdout.write('\\nthr'), 10); setTimeout(() => { process.stdout.write('ee ü\\rlast'); process.stderr.write('oops\\n'); }, 20);";
      const instance = await start({ command: process.execPath, args: ['-e', script], onOutputLine: (line, stream) => lines.push([stream, line]) });
      expect(await instance.exited).toEqual({ code: 0, signal: null });
      await waitFor('the last line', async () => (lines.some(([, line]) => line === 'last') ? true : undefined));
    } finally {
      for (const spy of spies) spy.mockRestore();
    }
    expect(lines.filter(([stream]) => stream === 'stdout').map(([, line]) => line)).toEqual(['one', 'two', 'three ü', 'last']);
    expect(lines.filter(([stream]) => stream === 'stderr')).toEqual([['stderr', 'oops']]);
    expect(copied.stdout.join('')).toBe('one\ntwo\r\nthree ü\rlast');
    expect(copied.stderr.join('')).toBe('oops\n');
  });
});
