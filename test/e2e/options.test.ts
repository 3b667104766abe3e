import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync, readlinkSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { beforeEach, describe, expect, it } from 'vitest';
import { cliOptions } from '../../src/cli/options.js';
import { skipInPass } from '../pass.js';
import { disposeAfterEach, Devreload, devreloadBin, freePort, hasCommand, jsonEvents, Project, repoRoot, serverFixture, starts, waitUntil } from './harness.js';

// Every option listed in --help has a test here (or, for --kill-timeout, in restart.test.ts)
// that fails if the option is parsed but ignored.

let project: Project | undefined;
let devreload: Devreload | undefined;

beforeEach(() => {
  project = undefined;
});

disposeAfterEach();

async function launch(args: string[], env: NodeJS.ProcessEnv = {}, cwd?: string): Promise<Devreload> {
  const quiet = args.includes('--quiet');
  project ??= await Project.create();
  devreload = new Devreload([...args, '--', 'node', serverFixture], { cwd: cwd ?? project.dir, env: { APP_RECORD: project.record, ...env } });
  const d = devreload;
  await d.waitFor(/\] ready\b/);
  if (!quiet) await d.waitFor(/\[devreload\] watching/);
  return d;
}


/** Whether a TCP connection to `host:port` is accepted (by the kernel: an instance need not have accepted it yet). */
async function connects(host: string, port: number): Promise<boolean> {
  return await new Promise((resolve) => {
    const socket = net.connect({ host, port, timeout: 2000 });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
    socket.once('timeout', () => {
      socket.destroy();
      resolve(false);
    });
  });
}

/** The project of the running test (created by `launch` unless the test made one first). */
function p(): Project {
  if (project === undefined) throw new Error('no project');
  return project;
}

/** Writes `ignored`, then a sentinel that does trigger: the restart that follows must name only the sentinel. */
async function expectOnlySentinel(d: Devreload, ignored: string, sentinel: string, instance = 2): Promise<void> {
  await p().write(ignored);
  await p().write(sentinel);
  await d.waitFor(/\] ready\b/, 2);
  await d.waitFor(/restarted in/);
  expect(p().entries('start')[instance - 1]?.changed, d.output).toBe(JSON.stringify([sentinel]));
}

describe('every option does what it says', () => {
  it('--watch: changes outside the watched path do not restart', async () => {
    project = await Project.create();
    await mkdir(p().path('other'));
    const d = await launch(['--watch', 'src']);
    await expectOnlySentinel(d, 'other/x.js', 'src/app.js');
  });

  it('without --watch, the working directory is watched', async () => {
    project = await Project.create();
    const d = await launch([]);
    await p().write('top-level.js');
    await d.waitFor(/\] ready\b/, 2);
    expect(p().entries('start')[1]?.changed).toBe(JSON.stringify(['top-level.js']));
  });

  it('--ext: other extensions do not restart', async () => {
    const d = await launch(['--watch', 'src', '--ext', 'ts,js']);
    await expectOnlySentinel(d, 'src/notes.md', 'src/app.js');
  });

  it('--ignore: matching paths do not restart', async () => {
    const d = await launch(['--watch', 'src', '--ignore', 'src/generated/**']);
    await expectOnlySentinel(d, 'src/generated/out.js', 'src/app.js');
  });

  it('.gitignore is honoured by default, and --no-gitignore turns it off', async () => {
    project = await Project.create();
    await writeFile(p().path('.gitignore'), 'build/\n');
    await mkdir(p().path('build'));
    const d = await launch([]);
    await expectOnlySentinel(d, 'build/out.js', 'src/app.js');
    await d.dispose();
    await project.cleanup();

    project = await Project.create();
    await writeFile(p().path('.gitignore'), 'build/\n');
    await mkdir(p().path('build'));
    const e = await launch(['--no-gitignore']);
    await p().write('build/out.js');
    await e.waitFor(/\] ready\b/, 2);
    expect(p().entries('start')[1]?.changed).toBe(JSON.stringify(['build/out.js']));
  });

  it('--poll: changes are seen by polling, without inotify', async () => {
    const d = await launch(['--watch', 'src', '--poll', '50']);
    await p().write('src/app.js');
    await d.waitFor(/\] ready\b/, 2);
    if (process.platform === 'linux') {
      const fds = readdirSync(`/proc/${d.pid}/fd`).map((fd) => {
        try {
          return readlinkSync(`/proc/${d.pid}/fd/${fd}`);
        } catch {
          return '';
        }
      });
      expect(fds.filter((target) => target.includes('inotify'))).toEqual([]);
    }
  });

  it('--delay: the new instance starts only after the quiet window', async () => {
    const d = await launch(['--watch', 'src', '--delay', '1500']);
    const before = Date.now();
    await p().write('src/app.js');
    await d.waitFor(/\] ready\b/, 2);
    const started = p().entries('start')[1]!.at;
    expect(started - before).toBeGreaterThanOrEqual(1400);
  });

  it('--signal: the app is stopped with the given signal', async () => {
    const d = await launch(['--watch', 'src', '--signal', 'SIGUSR2']);
    await p().write('src/app.js');
    await d.waitFor(/\] ready\b/, 2);
    expect(p().entries('stopped').map((e) => e.signal)).toEqual(['SIGUSR2']);
  });

  it('--cwd: the app runs there and relative paths resolve from it', async () => {
    project = await Project.create();
    // Started from the repo, whose own src/ would be watched if --watch src resolved from there.
    const d = await launch(['--cwd', p().dir, '--watch', 'src'], {}, repoRoot);
    await p().write('src/app.js');
    await d.waitFor(/\] ready\b/, 2);
    const [first, second] = p().entries('start');
    expect(first?.cwd).toBe(p().dir);
    expect(second?.cwd, d.output).toBe(p().dir);
    expect(second?.pid).not.toBe(first?.pid);
    // Paths are reported relative to --cwd, in the log and to the app.
    expect(second?.changed, d.output).toBe(JSON.stringify(['src/app.js']));
    expect(d.stderr).toContain('restarting: src/app.js changed');
  });

  it('--socket localhost:PORT binds 127.0.0.1 alone (whatever the resolver lists first), not every interface', async () => {
    project = await Project.create();
    const port = await freePort();
    const address = '127.0.0.1';
    const fd3Server = path.join(repoRoot, 'fixtures/socket/fd3-server.js');
    devreload = new Devreload(['--socket', `localhost:${port}`, '--watch', 'src', '--', 'node', fd3Server], { cwd: p().dir });
    await devreload.waitFor(/ready in \d+ ms/);
    expect(await connects(address, port), devreload.output).toBe(true);
    // Every other address of this machine (the other loopback family, the network's) is refused.
    const others = Object.values(os.networkInterfaces())
      .flat()
      .filter((i) => i !== undefined && i.address !== address && !i.address.startsWith('fe80:'))
      .map((i) => i!.address);
    for (const other of others) expect(await connects(other, port), `${other}:${port}\n${devreload.output}`).toBe(false);
  });

  it('--quiet hides devreload’s informational lines but not the app’s output', async () => {
    const d = await launch(['--watch', 'src', '--quiet']);
    // Quiet mode does not say when the watcher is ready: save (slower than the quiet window)
    // until the app is told to stop, then wait for the new instance without saving again. Saving
    // on until it booted restarted it again each time: under load every instance was stopped
    // before it could say so, and the loop went on forever.
    const stopping = () => /got SIGTERM/.test(d.stdout);
    for (let tries = 0; !stopping() && starts(p()) < 2; tries++) {
      if (tries > 60 || !d.alive) throw new Error(`no restart after ${tries} saves; devreload ${d.alive ? 'still running' : `exited: ${JSON.stringify(d.exit)}`}\n${d.output}`);
      await p().write('src/app.js');
      await waitUntil(() => stopping() || starts(p()) >= 2, { timeout: 250, describe: () => d.output }).catch(() => undefined);
    }
    await waitUntil(() => starts(p()) >= 2, { describe: () => d.output });
    expect(d.stderr).not.toMatch(/restarting|starting/);
    expect(d.stdout).toMatch(/booted/);
  });

  it('--verbose shows pids and signals', async () => {
    const d = await launch(['--watch', 'src', '--verbose']);
    const pid = p().entries('start')[0]!.pid;
    await p().write('src/app.js');
    await d.waitFor(/restarted in/);
    expect(d.stderr).toMatch(new RegExp(`sending SIGTERM to pid ${pid}`));
    expect(d.stderr).toMatch(new RegExp(`sent SIGTERM to pid ${pid}`));
    expect(d.stderr).toMatch(/restarted in \d+ ms \(pid \d+\)/);
  });

  it('--verbose says which ignore rule dropped a path', async (context) => {
    skipInPass(context, { polling: 'a known limit: polling reads only what is watched, so an ignored path raises nothing to explain (docs/how-it-works.md, Platforms)' });
    project = await Project.create();
    await writeFile(p().path('.gitignore'), 'build/\n');
    const d = await launch(['--verbose', '--ignore', 'src/*.log']);
    await p().write('src/debug.log');
    await p().write('build/out.js');
    await p().write('src/app.js');
    await d.waitFor(/restarted in/);
    expect(d.stderr).toMatch(/ignored src\/debug\.log \(.*src\/\*\.log.*\)/);
    expect(d.stderr).toMatch(/ignored build.*\(.*gitignore.*\)/);
  });

  it('--config and package.json: options come from the file, and the command line wins', async () => {
    project = await Project.create();
    await writeFile(p().path('package.json'), JSON.stringify({ name: 'app', devreload: { signal: 'SIGUSR2', watch: 'src', killTimeout: 9000 } }));
    const d = await launch(['--kill-timeout', '3000', '--verbose']);
    await p().write('src/app.js');
    await d.waitFor(/\] ready\b/, 2);
    expect(p().entries('stopped').map((e) => e.signal)).toEqual(['SIGUSR2']);
    d.signal('SIGTERM');
    await d.waitForExit();

    await writeFile(p().path('custom.json'), JSON.stringify({ signal: 'SIGINT', ext: 'md' }));
    const e = await launch(['--config', 'custom.json', '--watch', 'src']);
    await expectOnlySentinel(e, 'src/app.js', 'src/notes.md', 4);
    expect(p().entries('stopped').map((x) => x.signal)).toEqual(['SIGUSR2', 'SIGTERM', 'SIGINT']);
  });

  it.skipIf(!hasCommand('script'))('--clear clears the screen before each restart on a terminal, and never when output is not one (needs script from util-linux)', async () => {
    project = await Project.create();
    // util-linux `script` gives devreload a pseudo-terminal, as a developer's shell would.
    const command = `${process.execPath} ${devreloadBin} --clear --watch src -- ${process.execPath} ${serverFixture}`;
    devreload = new Devreload([], { cwd: p().dir, env: { APP_RECORD: p().record }, program: ['script', '-qefc', command, '/dev/null'] });
    const d = devreload;
    await d.waitFor(/\[devreload\] watching/);
    expect(d.stdout).not.toContain('\x1b[2J');
    await p().write('src/app.js');
    await d.waitFor(/restarted in/);
    expect(d.stdout).toContain('\x1b[2J');
    // The clear comes when the restart begins: what changed stays on screen, above the new instance.
    const screen = d.stdout.slice(d.stdout.lastIndexOf('\x1b[2J'));
    expect(screen, d.output).toMatch(/\[devreload\] restarting: src\/app\.js changed\r?\n[\s\S]*\[devreload\] restarted in \d+ ms/);
    await d.dispose();
    await p().cleanup();

    project = await Project.create();
    const e = await launch(['--clear', '--watch', 'src']);
    await p().write('src/app.js');
    await e.waitFor(/restarted in/);
    expect(e.stdout + e.stderr).not.toContain('\x1b[');
  });

  it('--json writes NDJSON events on stdout, and the app’s stdout goes to stderr', async () => {
    const d = await launch(['--watch', 'src', '--json']);
    await p().write('src/app.js');
    await d.waitFor(/"event":"restart"/);
    d.signal('SIGTERM');
    expect(await d.waitForExit()).toEqual({ code: 143, signal: null });
    const events = jsonEvents(d);
    expect(events.map((e) => e.event)).toEqual(['start', 'watching', 'change', 'stop', 'restart', 'stop', 'quit']);
    expect(events.every((e) => !Number.isNaN(Date.parse(String(e.time))))).toBe(true);
    expect(events[0]?.pid).toBe(p().entries('start')[0]?.pid);
    expect(events[2]?.paths).toEqual(['src/app.js']);
    expect(events.filter((e) => e.event === 'stop').map((e) => e.reason)).toEqual(['restart', 'shutdown']);
    // The last line says that devreload itself is done, and why.
    expect(events.at(-1)).toEqual({ event: 'quit', time: expect.any(String), code: 143, reason: 'signal', signal: 'SIGTERM' });
    expect(d.stderr).toMatch(/\[app \d+\] booted/);
  });

  it('--json: the final quit event for --on-exit quit, and for a command that cannot start', async () => {
    project = await Project.create();
    devreload = new Devreload(['--json', '--on-exit', 'quit', '--watch', 'src', '--', 'node', '-e', 'process.exit(3)'], { cwd: p().dir });
    expect(await devreload.waitForExit()).toEqual({ code: 3, signal: null });
    expect(jsonEvents(devreload).slice(-2)).toMatchObject([
      { event: 'exit', code: 3, next: 'quit' },
      { event: 'quit', code: 3, reason: 'appExit', signal: null },
    ]);

    devreload = new Devreload(['--json', '--watch', 'src', '--', 'no-such-program-xyz'], { cwd: p().dir });
    expect(await devreload.waitForExit()).toEqual({ code: 127, signal: null });
    expect(jsonEvents(devreload)).toMatchObject([
      { event: 'spawnError', fatal: true },
      { event: 'quit', code: 127, reason: 'spawnError', signal: null },
    ]);
  });

  it('--json: an app that exits cleanly and leaves nothing has no stop; one that leaves a process has a stop for leftovers', async () => {
    project = await Project.create();
    const clean = new Devreload(['--json', '--watch', 'src', '--', 'node', '-e', 'setTimeout(() => {}, 100)'], { cwd: p().dir });
    await clean.waitFor(/"event":"exit"/);
    clean.interrupt();
    expect(await clean.waitForExit()).toEqual({ code: 130, signal: null });
    expect(jsonEvents(clean).map((e) => e.event), clean.output).toEqual(['start', 'watching', 'exit', 'quit']);
    expect(jsonEvents(clean)[2]).toMatchObject({ code: 0, signal: null, next: 'wait' });

    // The app starts a worker in its own group and exits: the worker is what it left.
    const leaving = `require('node:child_process').spawn(process.execPath, ['-e', 'setInterval(() => {}, 1000)'], { stdio: 'ignore' }); setTimeout(() => process.exit(0), 100);`;
    const left = new Devreload(['--json', '--watch', 'src', '--', 'node', '-e', leaving], { cwd: p().dir });
    await left.waitFor(/"event":"exit"/);
    left.interrupt();
    expect(await left.waitForExit()).toEqual({ code: 130, signal: null });
    const events = jsonEvents(left);
    expect(events.map((e) => e.event), left.output).toEqual(['start', 'watching', 'stop', 'exit', 'quit']);
    expect(events[2]).toMatchObject({ pid: events[0]?.pid, signal: 'SIGTERM', reason: 'leftovers' });
  });

  it('--help lists every option, grouped, and exits 0', async () => {
    project = await Project.create();
    devreload = new Devreload(['--help'], { cwd: p().dir });
    expect(await devreload.waitForExit()).toEqual({ code: 0, signal: null });
    for (const option of cliOptions.filter((o) => o.hidden !== true)) expect(devreload.stdout).toContain(option.flags);
    // nodemon's spellings are understood, not listed one by one: the help points to them.
    for (const option of cliOptions.filter((o) => o.hidden === true)) expect(devreload.stdout).not.toContain(`\n  ${option.flags} `);
    expect(devreload.stdout).toContain('docs/nodemon.md');
    // Which signal the app gets, for a restart and for Ctrl-C (signals.test.ts holds the behaviour).
    expect(devreload.stdout).toMatch(/a change, rs +the app's whole process group gets --signal \(default SIGTERM\)/);
    expect(devreload.stdout).toMatch(/Ctrl-C +the app gets SIGINT, as from a terminal, not --signal/);
    for (const group of ['Watching:', 'Restarting:', 'Output:', 'Examples:', 'Exit codes:']) expect(devreload.stdout).toContain(group);
  });

  it('--version prints the package version', async () => {
    project = await Project.create();
    devreload = new Devreload(['--version'], { cwd: p().dir });
    expect(await devreload.waitForExit()).toEqual({ code: 0, signal: null });
    const { version } = JSON.parse(readFileSync(`${repoRoot}/package.json`, 'utf8')) as { version: string };
    expect(devreload.stdout.trim()).toBe(version);
  });
});

describe('the command line', () => {
  it('reaches the app untouched, without a shell and without `--`', async () => {
    project = await Project.create();
    const tricky = ['a b', '"quoted"', "it's", '$(touch pwned)', '; rm -rf x', '--watch', '*'];
    devreload = new Devreload(['-w', 'src', 'node', serverFixture, ...tricky], { cwd: p().dir, env: { APP_RECORD: p().record } });
    await devreload.waitFor(/\] ready\b/);
    expect(p().entries('start')[0]?.argv).toEqual(tricky);
  });

  it('is shown on the started line so that a shell reads it back exactly', async () => {
    project = await Project.create();
    const tricky = ['a b', '"quoted"', "it's", '$(touch pwned)', '; rm -rf x', '*', '--port=3000'];
    devreload = new Devreload(['-w', 'src', 'node', serverFixture, ...tricky], { cwd: p().dir, env: { APP_RECORD: p().record } });
    // The app's stdout and devreload's stderr are two pipes: wait for the line itself.
    await devreload.waitFor(/\[devreload\] started .*\n/);
    const line = /\[devreload\] started (.*)\n/.exec(devreload.stderr)?.[1] ?? '';
    expect(line, devreload.output).toContain(`node ${serverFixture} 'a b' '"quoted"' 'it'\\''s' '$(touch pwned)' '; rm -rf x' '*' --port=3000`);
    const read = spawnSync('sh', ['-c', `printf '%s\\0' ${line}`], { cwd: p().dir, encoding: 'utf8' }).stdout.split('\0').slice(0, -1);
    expect(read).toEqual(['node', serverFixture, ...tricky]);
  });
});
