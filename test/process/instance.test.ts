import { readFile, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { DevreloadError } from '../../src/errors.js';
import { startInstance, type Instance, type InstanceSpec } from '../../src/process/instance.js';
import type { TableSource } from '../../src/process/table.js';
import { fixture, isLive, killAll, node, report as reportIn, waitDead as waitDeadIn, waitFor, withTimeout } from './helpers.js';
import { hasPs } from './host-tools.js';

// startInstance puts spawn.ts, output-tap.ts, scanner.ts and signal.ts together; each has its
// own tests. These check the composition: exited/gone, signal() over the whole tree, stdin, output.

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
  killAll(extraGroups.splice(0).map((group) => -group));
  await rm(dir, { recursive: true, force: true });
  vi.unstubAllEnvs();
});

async function start(overrides: Partial<InstanceSpec> & Pick<InstanceSpec, 'command' | 'args'>): Promise<Instance> {
  const instance = await startInstance({ cwd: dir, env: { ...process.env }, ...overrides });
  instances.push(instance);
  return instance;
}

const report = (name: string) => reportIn(dir, name);
const waitDead = (pid: number) => waitDeadIn(dir, pid);

async function expectPending(promise: Promise<unknown>, what: string): Promise<void> {
  const window = new Promise((done) => setTimeout(() => done('pending'), PENDING_WINDOW_MS));
  expect(await Promise.race([promise.then(() => 'settled'), window]), what).toBe('pending');
}

/** Runs `body`, then fails if `event` fired meanwhile or within a few event-loop turns after. */
async function expectNo(event: 'unhandledRejection' | 'uncaughtException', body: () => Promise<void>): Promise<void> {
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

// Slim containers lack ps: the ps variant skips there, saying so, instead of failing to spawn it.
describe.each<[string, TableSource]>([
  ['proc', 'proc'],
  [hasPs ? 'ps' : 'ps (skipped: ps is not on PATH)', 'ps'],
])('startInstance: escaped (setsid) grandchildren via %s', (_label, tableSource) => {
  const unavailable = tableSource === 'ps' && !hasPs;
  // leader -(same group)-> child -(setsid)-> grandchild
  const escapingChain = (...grandchildFlags: string[]) =>
    node('spawn-child.js', join(dir, 'leader.json'), 'group', 'stay', fixture('spawn-child.js'), join(dir, 'child.json'),
      'detached', 'stay', fixture('forever.js'), join(dir, 'grandchild.json'), ...grandchildFlags);

  it.skipIf(unavailable)('finds and signals a detached grandchild while its parent lives, reports it once, and gone waits for it', async () => {
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

  it.skipIf(unavailable)('remembers a detached grandchild that survived SIGTERM and outlived its parent', async () => {
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

describe('startInstance: spawn errors', () => {
  it('rejects with the DevreloadError that names the problem, and nothing unhandled', async () => {
    await expectNo('unhandledRejection', async () => {
      const failure = startInstance({ command: 'devreload-no-such-command', args: [], cwd: dir, env: { ...process.env } });
      await expect(failure).rejects.toThrow(DevreloadError);
      await expect(failure).rejects.toThrow(/^command not found: devreload-no-such-command \(/);
    });
  });
});

describe('startInstance: stdin', () => {
  it('feeds write() to the app stdin, and closeStdin() ends it', async () => {
    const instance = await start(node('echo.js', join(dir, 'echo.json')));
    instance.write('hello ');
    instance.write(new Uint8Array([0, 255, 10]));
    instance.closeStdin();
    expect(await instance.exited).toEqual({ code: 0, signal: null });
    const echo = JSON.parse(await readFile(join(dir, 'echo.json'), 'utf8')) as { stdin: string };
    expect(Buffer.from(echo.stdin, 'base64')).toEqual(Buffer.concat([Buffer.from('hello '), Buffer.from([0, 255, 10])]));
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
});

describe('startInstance: output lines', () => {
  /** Captures what reaches devreload's own stdout and stderr while `body` runs. */
  async function capturing(body: () => Promise<void>): Promise<{ stdout: string; stderr: string }> {
    const copied = { stdout: '', stderr: '' };
    const spies = (['stdout', 'stderr'] as const).map((stream) =>
      vi.spyOn(process[stream], 'write').mockImplementation((chunk: string | Uint8Array) => {
        copied[stream] += Buffer.from(chunk).toString();
        return true;
      }));
    try {
      await body();
    } finally {
      for (const spy of spies) spy.mockRestore();
    }
    return copied;
  }

  // The two streams interleave as the OS schedules them; within each, order is kept.
  const expectLines = (lines: [string, string][]) => {
    expect(lines.filter(([stream]) => stream === 'stdout')).toEqual([['stdout', 'out 1'], ['stdout', 'out 2']]);
    expect(lines.filter(([stream]) => stream === 'stderr')).toEqual([['stderr', 'err 1']]);
  };

  async function runTapped(spec: Partial<InstanceSpec>): Promise<[string, string][]> {
    const lines: [string, string][] = [];
    const script = "process.stdout.write('out 1\\nout 2\\n'); process.stderr.write('err 1\\n');";
    const instance = await start({ command: process.execPath, args: ['-e', script], onOutputLine: (line, stream) => lines.push([stream, line]), ...spec });
    expect(await instance.exited).toEqual({ code: 0, signal: null });
    await waitFor(dir, 'the last lines', async () => (lines.length === 3 ? true : undefined));
    return lines;
  }

  it('reports every line with its stream and still copies every byte on to devreload\'s stdout/stderr', async () => {
    let lines: [string, string][] = [];
    const copied = await capturing(async () => {
      lines = await runTapped({});
    });
    expectLines(lines);
    expect(copied).toEqual({ stdout: 'out 1\nout 2\n', stderr: 'err 1\n' });
  });

  it('copies the app\'s stdout to devreload\'s stderr with stdoutToStderr (--json)', async () => {
    let lines: [string, string][] = [];
    const copied = await capturing(async () => {
      lines = await runTapped({ stdoutToStderr: true });
    });
    expectLines(lines);
    expect(copied.stdout).toBe('');
    expect(copied.stderr.split('\n').sort()).toEqual(['', 'err 1', 'out 1', 'out 2']);
  });
});
