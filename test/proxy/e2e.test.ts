import { utimes, writeFile } from 'node:fs/promises';
import net from 'node:net';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createReloader, type Reloader } from '../../dist/index.js';
import { disposeAfterEach, Devreload, freePort, isAlive, jsonEvents, Project, repoRoot, waitUntil } from '../e2e/harness.js';
import { hammer } from './hammer.js';
import { get, listen } from './helpers.js';
import { twoPorts } from './ports.js';

const server = path.join(repoRoot, 'fixtures/proxy/server.js');

disposeAfterEach();
let blocker: net.Server | undefined;
let reloader: Reloader | undefined;
afterEach(async () => {
  blocker?.close();
  blocker = undefined;
  await reloader?.stop();
  reloader = undefined;
});

/** Runs devreload to completion: one `[devreload] error:` line, exit 2, and the app never started. */
async function fails(args: string[], expected: RegExp, env: NodeJS.ProcessEnv = {}): Promise<void> {
  const project = await Project.create();
  const devreload = new Devreload([...args, '--', 'node', server], { cwd: project.dir, env: { APP_RECORD: project.record, PORT: '1', ...env } });
  const exit = await devreload.waitForExit();
  const lines = devreload.stderr.trim().split('\n');
  expect(exit, devreload.output).toEqual({ code: 2, signal: null });
  expect(lines, devreload.output).toHaveLength(1);
  expect(lines[0]).toMatch(/^\[devreload\] error: /);
  expect(lines[0]).toMatch(expected);
  expect(project.entries('start'), 'the app must not have started').toEqual([]);
}

describe('bad input: one clear line, nothing left running', () => {
  it('a proxy port in use', async () => {
    const port = await freePort();
    blocker = net.createServer();
    await new Promise<void>((resolve) => blocker?.listen(port, '127.0.0.1', resolve));
    await fails(['--proxy', `${port}:3000`], new RegExp(`--proxy ${port}: port ${port} is already in use by pid ${process.pid} \\(.*\\); stop it or choose another port for the proxy$`));
  });

  it('a port out of range', async () => {
    await fails(['--proxy', '70000'], /--proxy: port 70000 is out of range \(1-65535\), got "70000"/);
    await fails(['--proxy', '3001:0'], /--proxy: the app's port 0 is out of range \(1-65535\)/);
  });

  it('a proxy port equal to the app\'s port', async () => {
    await fails(['--proxy', '3000:3000'], /--proxy: port 3000 is the app's own port \(--proxy 3000:3000\); the proxy needs a port of its own, e\.g\. --proxy 3001:3000$/);
    await fails(['--socket', '3000', '--proxy', '3000'], /--proxy: port 3000 is the app's own port \(--socket 3000\)/);
  });

  it('an app port nobody gave, where the port an instance listens on cannot be seen (no /proc: the ps path)', async () => {
    await fails(['--proxy', '3001'], /--proxy: which port does the app listen on\? Give it after the proxy's, e\.g\. --proxy 3001:3000/, { DEVRELOAD_PROCESS_TABLE: 'ps' });
  });

  it('--reload-only without --proxy', async () => {
    await fails(['--reload-only', 'views/**'], /--reload-only: reloads the pages the dev proxy served, so it needs --proxy too/);
  });
});

/** devreload over the fixture app with the proxy on `proxyPort` and the app on `appPort`. */
async function start(args: string[], project: Project, appPort: number, env: NodeJS.ProcessEnv = {}): Promise<Devreload> {
  const devreload = new Devreload([...args, '--watch', 'src', '--', 'node', server], { cwd: project.dir, env: { APP_RECORD: project.record, PORT: String(appPort), ...env } });
  await devreload.waitFor(/\[devreload\] watching/);
  return devreload;
}

/** The fixture app's `listening` records. */
const listening = (project: Project) => project.entries().filter((entry) => (entry.event as string) === 'listening');

const pidThrough = async (port: number) => (JSON.parse((await get(port)).body.toString()) as { pid: number }).pid;

describe('the option reaches the proxy from every source', () => {
  it('--proxy on the command line: the start line names it, and requests reach the app', async () => {
    const project = await Project.create();
    const [proxyPort, appPort] = await twoPorts();
    const devreload = await start(['--proxy', `${proxyPort}:${appPort}`, '--json'], project, appPort);
    expect(devreload.stderr).toContain(`[devreload] started node ${server} — open http://127.0.0.1:${proxyPort}`);
    expect(await pidThrough(proxyPort)).toBe(project.entries('start')[0]?.pid);
    expect(jsonEvents(devreload, 'proxy')[0]).toMatchObject({ phase: 'listening', url: `http://127.0.0.1:${proxyPort}` });
  });

  it('--proxy alone: the app’s port is the one each instance is seen listening on (Linux), through restarts', async () => {
    const project = await Project.create();
    const [proxyPort, appPort] = await twoPorts();
    const devreload = await start(['--proxy', String(proxyPort)], project, appPort);
    expect(await pidThrough(proxyPort)).toBe(project.entries('start')[0]?.pid);
    await project.write('src/app.js');
    await waitUntil(() => project.entries('start').length >= 2, { describe: () => devreload.output });
    // The request waits for the new instance, found listening on the same port, and reaches it.
    expect(await pidThrough(proxyPort)).toBe(project.entries('start')[1]?.pid);
  });

  it('"proxy" in devreload.config.json', async () => {
    const project = await Project.create();
    const [proxyPort, appPort] = await twoPorts();
    await writeFile(project.path('devreload.config.json'), JSON.stringify({ proxy: `${proxyPort}:${appPort}` }));
    await start([], project, appPort);
    expect(await pidThrough(proxyPort)).toBe(project.entries('start')[0]?.pid);
  });

  it('proxy in the API', async () => {
    const project = await Project.create();
    const [proxyPort, appPort] = await twoPorts();
    reloader = createReloader({ command: 'node', args: [server], cwd: project.dir, watch: ['src'], proxy: `${proxyPort}:${appPort}`, env: { ...process.env, PORT: String(appPort), APP_RECORD: project.record }, logLevel: 'quiet' });
    // Started in-process at once, within the mtime slack of the file Project.create() wrote: the
    // catch-up after the first scan would count it as maybe unseen and restart (seen in CI).
    const past = new Date(Date.now() - 60_000);
    await utimes(project.path('src/app.js'), past, past);
    await reloader.start();
    expect(await pidThrough(proxyPort)).toBe(project.entries('start')[0]?.pid);
    await reloader.stop();
    // Closed with everything else: the port is free again.
    await new Promise<void>((resolve, reject) => {
      const again = net.createServer().once('error', reject);
      again.listen(proxyPort, '127.0.0.1', () => again.close(() => resolve()));
    });
  });
});

describe('--reload-only', () => {
  it('reloads the pages and leaves the app running (files outside --watch, and outside --ext)', async () => {
    const project = await Project.create();
    await project.write('views/title.txt', 'first\n');
    const [proxyPort, appPort] = await twoPorts();
    const devreload = await start(['--proxy', `${proxyPort}:${appPort}`, '--ext', 'js', '--reload-only', 'views/**', '--json'], project, appPort);
    const page = await get(proxyPort, '/page');
    const version = /client\.js\?v=([^"]+)"/.exec(page.body.toString())?.[1] ?? '';
    expect(version).not.toBe('');
    const stream = await listen(proxyPort);
    await waitUntil(() => stream.states()[0]?.version === version, { describe: () => `the page's version on connecting (${JSON.stringify(stream.events)})` });
    await project.save('views/title.txt', 'second\n');
    await waitUntil(() => stream.states().length === 2, { describe: () => devreload.output });
    expect(stream.states()[1]?.version).not.toBe(version);
    expect(jsonEvents(devreload, 'reload')).toEqual([expect.objectContaining({ event: 'reload', connections: 1, reason: 'reloadOnly', paths: ['views/title.txt'] })]);
    expect(devreload.stderr).toMatch(/reloading the browser: views\/title\.txt changed \(1 connection\)/);
    expect((await get(proxyPort, '/page')).body.toString()).toContain('<h1 id="title">second</h1>');
    // No restart: one instance, still the same.
    expect(project.entries('start')).toHaveLength(1);
    expect(jsonEvents(devreload, 'restart')).toEqual([]);
    // A file of the app's own still restarts it.
    await project.save('src/app.js');
    await waitUntil(() => project.entries('start').length === 2, { describe: () => devreload.output });
  });

  it('ten files written at once are one reload, naming all ten', async () => {
    const project = await Project.create();
    await project.write('views/title.txt', 'first\n');
    const [proxyPort, appPort] = await twoPorts();
    const devreload = await start(['--proxy', `${proxyPort}:${appPort}`, '--reload-only', 'views/**', '--json'], project, appPort);
    await waitUntil(() => listening(project).length === 1, { describe: () => devreload.output });
    const names = Array.from({ length: 10 }, (_, index) => `views/part-${index}.html`);
    await Promise.all(names.map((name) => writeFile(project.path(name), name)));
    await waitUntil(() => jsonEvents(devreload, 'reload').length > 0, { describe: () => devreload.output });
    // A later file's reload comes after every earlier batch's: anything before it belongs to the ten.
    await writeFile(project.path('views/later.html'), 'later');
    await waitUntil(() => jsonEvents(devreload, 'reload').some((e) => (e.paths as string[]).includes('views/later.html')), { describe: () => devreload.output });
    const reloads = jsonEvents(devreload, 'reload').map((e) => [...(e.paths as string[])].sort());
    expect(reloads, devreload.output).toEqual([[...names].sort(), ['views/later.html']]);
    expect(devreload.stderr).toMatch(/reloading the browser: views\/part-\d\.html \(\+9 more\) changed/);
    expect(project.entries('start')).toHaveLength(1);
  });
});

describe('restarts under load through the proxy', () => {
  it.each([
    ['an app that stops gracefully', {}],
    ['an app killed mid-request (no SIGTERM handler)', { APP_ABRUPT: '1' }],
  ])('%s: 10 restarts, 0 failed requests', async (_, env) => {
    const project = await Project.create();
    const [proxyPort, appPort] = await twoPorts();
    const devreload = await start(['--proxy', `${proxyPort}:${appPort}`, '--json'], project, appPort, { LISTEN_DELAY_MS: '50', ...env });
    await waitUntil(() => listening(project).length === 1, { describe: () => devreload.output });
    const load = hammer(proxyPort, (body) => (JSON.parse(body) as { pid: number }).pid);
    const first = listening(project)[0]?.pid ?? 0;
    await waitUntil(() => load.pids.has(first), { describe: () => devreload.output });
    for (let i = 2; i <= 11; i++) {
      await project.save('src/app.js');
      await waitUntil(() => listening(project).length === i, { describe: () => devreload.output, timeout: 20_000 });
      // Served by the new instance before the next save: each restart happens under load.
      const newest = listening(project).at(-1)?.pid ?? 0;
      await waitUntil(() => load.pids.has(newest), { describe: () => devreload.output, timeout: 20_000 });
    }
    const result = await load.stop();
    expect({ failed: result.failed.length, first: result.failed.slice(0, 5) }).toEqual({ failed: 0, first: [] });
    expect(result.pids.size).toBe(11);
    // Requests did wait during the restarts, and were let through.
    expect(jsonEvents(devreload, 'proxy').filter((e) => e.phase === 'released').length).toBeGreaterThan(0);
    const pids = project.entries('start').map((e) => e.pid);
    devreload.interrupt();
    await devreload.waitForExit();
    expect(pids.filter(isAlive)).toEqual([]);
  }, 180_000);
});
