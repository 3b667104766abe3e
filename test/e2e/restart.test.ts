import { rm, writeFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { pass } from '../pass.js';
import { disposeAfterEach, Devreload, freePort, isAlive, Project, serverFixture, starts, waitUntil } from './harness.js';

const watching = /\[devreload\] watching/;
let project: Project;
let devreload: Devreload | undefined;

disposeAfterEach();

async function launch(args: string[], env: NodeJS.ProcessEnv = {}, command = ['node', serverFixture]): Promise<Devreload> {
  project = await Project.create();
  devreload = new Devreload([...args, '--', ...command], { cwd: project.dir, env: { APP_RECORD: project.record, ...env } });
  await devreload.waitFor(watching);
  return devreload;
}

describe('restarting on change', () => {
  it('starts the app once, and restarts it exactly once per save', async () => {
    const port = await freePort();
    const d = await launch(['--watch', 'src'], { PORT: String(port) });
    const listening = /\[app \d+\] listening/;
    // A restart is reported once the new instance listens, measured from the change (the first
    // start has a ready line too). Without /proc there is no default readiness: `restarted in`.
    const restarted = pass.ps ? /\[devreload\] restarted in \d+ ms/ : /\[devreload\] ready in \d+ ms \(listening on 127\.0\.0\.1:\d+\)/;
    const first = pass.ps ? 0 : 1;
    await d.waitFor(listening);
    expect(starts(project)).toBe(1);

    await project.write('src/app.js');
    await d.waitFor(restarted, first + 1);
    await d.waitFor(listening, 2);
    await project.write('src/app.js');
    await d.waitFor(restarted, first + 2);
    await d.waitFor(listening, 3);

    expect(starts(project)).toBe(3);
    expect(d.count(/restarting: src\/app\.js changed/)).toBe(2);
    expect(d.output).not.toMatch(/EADDRINUSE/);
    expect(project.entries('start').at(-1)?.changed).toBe(JSON.stringify(['src/app.js']));
  });

  it('stops the whole group, lets the shutdown handler finish, and starts the next instance only after every process is gone', async () => {
    const port = await freePort();
    const d = await launch(['--watch', 'src'], { PORT: String(port), APP_WORKERS: '2', APP_STOP_MS: '300', CHILD_STOP_MS: '600' });
    await d.waitFor(/\[app \d+\] listening/);
    const [first] = project.entries('start');
    const workers = project.entries('worker').map((w) => w.pid);
    expect(workers).toHaveLength(2);

    await project.write('src/app.js');
    await d.waitFor(/\[app \d+\] listening/, 2);

    const second = project.entries('start')[1];
    const stopped = project.entries('stopped').find((e) => e.pid === first?.pid);
    const workersStopped = project.entries('worker-stopped').filter((e) => workers.includes(e.pid));
    expect(stopped, d.output).toBeDefined();
    expect(workersStopped, `${d.output}\n${JSON.stringify(project.entries())}`).toHaveLength(2);
    for (const entry of [stopped, ...workersStopped]) expect(entry!.at).toBeLessThanOrEqual(second!.at);
    for (const pid of [first!.pid, ...workers]) expect(isAlive(pid)).toBe(false);
    expect(d.output).not.toMatch(/EADDRINUSE/);
  });

  it('SIGKILLs an app that ignores the stop signal after --kill-timeout, then restarts it', async () => {
    const d = await launch(['--watch', 'src', '--kill-timeout', '400'], { APP_IGNORE_TERM: '1' });
    await d.waitFor(/\] ready\b/);
    const first = project.entries('start')[0]!.pid;
    await project.write('src/app.js');
    await d.waitFor(/did not stop within 400 ms — sending SIGKILL/);
    await d.waitFor(/\] ready\b/, 2);
    expect(isAlive(first)).toBe(false);
    expect(d.count(/got SIGTERM/)).toBe(1);
  });

  it('leaves no grandchild behind: npm run start → sh → node, with workers', async () => {
    project = await Project.create();
    await writeFile(project.path('package.json'), JSON.stringify({ name: 'app', private: true, scripts: { start: `node ${JSON.stringify(serverFixture)}` } }));
    // Workers that take longer to stop than npm takes to boot: a restart that did not wait for
    // them would have its new instance ready while they still run.
    devreload = new Devreload(['--watch', 'src', '--', 'npm', 'run', 'start'], { cwd: project.dir, env: { APP_RECORD: project.record, APP_WORKERS: '2', CHILD_STOP_MS: '1000' } });
    const d = devreload;
    await d.waitFor(watching);
    await d.waitFor(/\] ready\b/);
    await waitUntil(() => project.entries('worker').length === 2, { describe: () => d.output });
    for (let round = 1; round <= 2; round++) {
      const old = project.allPids().filter(isAlive);
      expect(old, d.output).toHaveLength(3); // the app and its two workers
      await project.write('src/app.js');
      await d.waitFor(/\] ready\b/, round + 1);
      // The next instance starts only once every process of the old one is gone: by the time it
      // says ready, none may be left (no grace period to wait out).
      expect(old.filter(isAlive), d.output).toEqual([]);
    }
  });

  it('is not touched when the app signals its own process group, and restarts on the next change', async () => {
    const d = await launch(['--watch', 'src'], { APP_KILL_OWN_GROUP: '1' });
    await d.waitFor(/app exited with code 0 — waiting for changes/);
    expect(d.alive).toBe(true);
    await project.write('src/app.js');
    await d.waitFor(/\] ready\b/, 2);
    expect(d.alive).toBe(true);
  });

  it('stays up when the app crashes at start, reports the code, and recovers on the next save', async () => {
    project = await Project.create();
    await project.write('crash-flag', 'yes');
    devreload = new Devreload(['--watch', 'src', '--', 'node', serverFixture], { cwd: project.dir, env: { APP_RECORD: project.record, APP_CRASH_IF: project.path('crash-flag') } });
    const d = devreload;
    await d.waitFor(watching);
    await d.waitFor(/app exited with code 3 — waiting for changes/);
    expect(d.alive).toBe(true);
    await rm(project.path('crash-flag'));
    await project.write('src/app.js');
    await d.waitFor(/\] ready\b/);
    await d.waitFor(/restarted in/);
    expect(d.count(/crashing/)).toBe(1);
    expect(d.alive).toBe(true);
  });

  it('starts one new instance, never two, when saves arrive while the old one is shutting down', async () => {
    const d = await launch(['--watch', 'src'], { APP_STOP_MS: '800' });
    await d.waitFor(/\] ready\b/);
    await project.write('src/app.js');
    await d.waitFor(/got SIGTERM/);
    await project.write('src/app.js');
    await project.write('src/other.js');
    await d.waitFor(/\] ready\b/, 2);
    await d.waitFor(/restarted in/);
    // A sentinel save proves the queue is drained: exactly one more start follows it.
    await project.write('src/app.js');
    await d.waitFor(/\] ready\b/, 3);
    expect(starts(project)).toBe(3);
    const [first, second] = project.entries('start');
    const stopped = project.entries('stopped').find((e) => e.pid === first!.pid);
    expect(stopped!.at).toBeLessThanOrEqual(second!.at);
  });
});
