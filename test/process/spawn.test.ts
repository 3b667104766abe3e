import { closeSync, openSync, readlinkSync } from 'node:fs';
import { chmod, mkdir, mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { delimiter, dirname, join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { readProcStat } from '../../src/process/proc-stat.js';
import { instanceEnv, spawnApp, type SpawnedApp, type SpawnOptions } from '../../src/process/spawn.js';
import { killAll, node, report, withTimeout } from './helpers.js';

let dir = '';
const apps: SpawnedApp[] = [];

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'devreload-spawn-'));
});

afterEach(async () => {
  const started = apps.splice(0);
  killAll(started.map((app) => -app.pid));
  await Promise.all(started.map((app) => withTimeout(app.exited, `app ${app.pid} to exit`)));
  vi.unstubAllEnvs();
  await rm(dir, { recursive: true, force: true });
});

async function spawnHere(options: Partial<SpawnOptions> & Pick<SpawnOptions, 'command' | 'args'>): Promise<SpawnedApp> {
  const app = await spawnApp({ cwd: dir, env: { ...process.env }, pipeOutput: false, tag: 'test.1', ...options });
  apps.push(app);
  return app;
}

/** What the app's file descriptor `fd` points at, as /proc shows it. */
const fdTarget = (pid: number | 'self', fd: number) => readlinkSync(`/proc/${pid}/fd/${fd}`);

describe('spawnApp: a process group and session of its own', () => {
  it('makes the app the leader of a new session without a terminal, child of devreload', async () => {
    const app = await spawnHere(node('forever.js', join(dir, 'app.json')));
    await report(dir, 'app.json');
    expect(readProcStat(app.pid)).toMatchObject({ ppid: process.pid, pgrp: app.pid, session: app.pid, ttyNr: 0, tpgid: -1 });
  });

  it('keeps devreload out of reach of a signal the app sends to its own group', async () => {
    const received: string[] = [];
    // Listening turns a SIGTERM reaching this worker into a recorded failure, not a crash.
    const onTerm = () => received.push('SIGTERM');
    process.on('SIGTERM', onTerm);
    try {
      const app = await spawnHere(node('kill-own-group.js'));
      expect(await withTimeout(app.exited, 'exited')).toEqual({ code: null, signal: 'SIGTERM' });
      await new Promise((done) => setTimeout(done, 50));
    } finally {
      process.off('SIGTERM', onTerm);
    }
    expect(received).toEqual([]);
  });

  it('resolves exited with the code of an app that exits at once', async () => {
    const app = await spawnHere(node('exit-with.js', '3'));
    expect(await withTimeout(app.exited, 'exited')).toEqual({ code: 3, signal: null });
  });
});

describe('spawnApp: stdio', () => {
  const ownStdoutIsStderr = fdTarget('self', 1) === fdTarget('self', 2);

  it('gives the app a stdin pipe and devreload\'s own stdout and stderr', async () => {
    const app = await spawnHere(node('forever.js', join(dir, 'app.json')));
    await report(dir, 'app.json');
    // Node makes its pipes from socket pairs; either way a new one, not devreload's stdin.
    expect(fdTarget(app.pid, 0)).toMatch(/^(pipe|socket):/);
    expect(fdTarget(app.pid, 0)).not.toBe(fdTarget('self', 0));
    expect([fdTarget(app.pid, 1), fdTarget(app.pid, 2)]).toEqual([fdTarget('self', 1), fdTarget('self', 2)]);
    expect([app.stdout, app.stderr]).toEqual([null, null]);
  });

  // Needs a test runner whose stdout and stderr differ, or the two cases look the same.
  it.skipIf(ownStdoutIsStderr)('sends the app\'s stdout to devreload\'s stderr when asked (--json keeps stdout clean)', async () => {
    const app = await spawnHere({ ...node('forever.js', join(dir, 'app.json')), stdoutToStderr: true });
    await report(dir, 'app.json');
    expect([fdTarget(app.pid, 1), fdTarget(app.pid, 2)]).toEqual([fdTarget('self', 2), fdTarget('self', 2)]);
  });

  it('pipes stdout and stderr to devreload when output is tapped', async () => {
    const app = await spawnHere({ ...node('forever.js', join(dir, 'app.json')), pipeOutput: true });
    await report(dir, 'app.json');
    for (const fd of [1, 2]) {
      expect(fdTarget(app.pid, fd)).toMatch(/^(pipe|socket):/);
      expect(fdTarget(app.pid, fd)).not.toBe(fdTarget('self', fd));
    }
    expect(app.stdout).not.toBeNull();
    expect(app.stderr).not.toBeNull();
  });

  it('passes extra fds to the app as fd 3, 4, … in the order given', async () => {
    const files = [join(dir, 'second.txt'), join(dir, 'first.txt')];
    const fds = files.map((file) => openSync(file, 'w'));
    try {
      const script = "const fs = require('fs'); fs.writeSync(3, 'fd 3'); fs.writeSync(4, 'fd 4');";
      const app = await spawnHere({ command: process.execPath, args: ['-e', script], fds });
      expect(await withTimeout(app.exited, 'exited')).toEqual({ code: 0, signal: null });
    } finally {
      for (const fd of fds) closeSync(fd);
    }
    expect(await Promise.all(files.map((file) => readFile(file, 'utf8')))).toEqual(['fd 3', 'fd 4']);
  });
});

describe('spawnApp: what the app receives', () => {
  type Echo = { args: string[]; stdin: string; cwd: string; env: { probe: string | null; leak: string | null } };
  const readEcho = async () => JSON.parse(await readFile(join(dir, 'echo.json'), 'utf8')) as Echo;

  it('passes arguments byte for byte, with no shell in between', async () => {
    const args = ['a b', '"double"', "'single'", '$(touch pwned1)', '`touch pwned2`', 'x; touch pwned3', '', '*', '\\n', 'ünïcødé', '--flag=1'];
    const app = await spawnHere(node('echo.js', join(dir, 'echo.json'), ...args));
    app.stdin.end();
    expect(await withTimeout(app.exited, 'exited')).toEqual({ code: 0, signal: null });
    expect((await readEcho()).args).toEqual(args);
    expect((await readdir(dir)).filter((name) => name.startsWith('pwned'))).toEqual([]);
  });

  it('gives the app exactly the environment and working directory it was given', async () => {
    vi.stubEnv('DEVRELOAD_LEAK', 'from devreload');
    const env = { PATH: process.env.PATH, DEVRELOAD_PROBE: 'given' };
    const app = await spawnHere({ ...node('echo.js', join(dir, 'echo.json')), env });
    app.stdin.end();
    await withTimeout(app.exited, 'exited');
    const echo = await readEcho();
    expect(echo.env).toEqual({ probe: 'given', leak: null });
    expect(echo.cwd).toBe(dir);
  });

  it('puts every node_modules/.bin from its folder up to the root first on PATH, the PATH a woken spare gets too', async () => {
    const cwd = join(dir, 'apps', 'api');
    await mkdir(cwd, { recursive: true });
    const script = "require('fs').writeFileSync('env.json', JSON.stringify({ path: process.env.PATH, tag: process.env.DEVRELOAD_INSTANCE }))";
    // Without the folder of the Node running the tests: nothing but node_modules/.bin is added.
    const env = { PATH: '/devreload-test/bin:/devreload-test/sbin', HOME: '/h' };
    const app = await spawnHere({ command: process.execPath, args: ['-e', script], cwd, env });
    expect(await withTimeout(app.exited, 'exited')).toEqual({ code: 0, signal: null });
    const seen = JSON.parse(await readFile(join(cwd, 'env.json'), 'utf8')) as { path: string; tag: string };
    const upward: string[] = [];
    for (let folder = cwd; ; folder = dirname(folder)) {
      upward.push(join(folder, 'node_modules', '.bin'));
      if (dirname(folder) === folder) break;
    }
    expect(seen.path.split(delimiter)).toEqual([...upward, '/devreload-test/bin', '/devreload-test/sbin']);
    expect(seen.tag).toBe('test.1');
    // src/prestart/wake.ts hands a woken spare instanceEnv(): the same PATH, the same tag.
    expect(instanceEnv(cwd, env, 'test.1')).toMatchObject({ PATH: seen.path, DEVRELOAD_INSTANCE: 'test.1', HOME: '/h' });
  });

  it('resolves commands from node_modules/.bin like an npm script', async () => {
    const bin = join(dir, 'node_modules', '.bin');
    await mkdir(bin, { recursive: true });
    await writeFile(join(bin, 'local-tool'), '#!/bin/sh\necho "$@" > local-tool.out\n');
    await chmod(join(bin, 'local-tool'), 0o755);
    const app = await spawnHere({ command: 'local-tool', args: ['ran', 'locally'] });
    expect(await withTimeout(app.exited, 'exited')).toEqual({ code: 0, signal: null });
    expect(await readFile(join(dir, 'local-tool.out'), 'utf8')).toBe('ran locally\n');
  });
});
