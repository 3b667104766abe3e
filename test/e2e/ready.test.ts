import { beforeEach, describe, expect, it } from 'vitest';
import { skipInPass } from '../pass.js';
import { disposeAfterEach, Devreload, freePort, jsonEvents, Project, serverFixture, waitUntil, type JsonEvent } from './harness.js';

// Readiness by default (Linux): devreload sees the new instance listen in the kernel's socket
// table and reports the restart up to that moment, not up to the spawn.
let project: Project;
let devreload: Devreload | undefined;

disposeAfterEach();

const readyLine = (port: number) => new RegExp(`^\\[devreload\\] ready in (\\d+) ms \\(listening on 127\\.0\\.0\\.1:${port}\\)$`, 'gm');
const appListening = /\[app \d+\] listening \d+/;

async function launch(args: string[], env: NodeJS.ProcessEnv, command = ['node', serverFixture]): Promise<Devreload> {
  project = await Project.create();
  devreload = new Devreload([...args, '--', ...command], { cwd: project.dir, env: { APP_RECORD: project.record, ...env } });
  await devreload.waitFor(/\[devreload\] watching/);
  return devreload;
}

/**
 * The first `count` JSON ready events, once on stdout: a ready line seen on stderr does not mean
 * the event written with it was read yet from the other pipe.
 */
async function readyEvents(d: Devreload, count: number): Promise<JsonEvent[]> {
  await waitUntil(() => jsonEvents(d, 'ready').length >= count, { describe: () => `${count} ready events\n${d.output}` });
  return jsonEvents(d, 'ready');
}

/** `ms` figures of devreload's ready lines for `port`, in order. */
function readyFigures(d: Devreload, port: number): number[] {
  return [...d.stderr.matchAll(readyLine(port))].map((match) => Number(match[1]));
}

describe('readiness by default: the new instance listening', () => {
  beforeEach((context) => skipInPass(context, { ps: 'readiness by default reads the socket table in /proc (Linux); the ps path has none, as on macOS (docs/how-it-works.md)' }));

  it('a server: `ready in N ms (listening on …)` once it listens, in place of `restarted in`, and a JSON ready event with the address', async () => {
    const port = await freePort();
    const d = await launch(['--json', '--watch', 'src'], { PORT: String(port) });
    await d.waitFor(readyLine(port));
    await project.save('src/app.js');
    await d.waitFor(readyLine(port), 2);
    await d.waitFor(appListening, 2);
    // Its `restarted in` line (measured to the spawn) was replaced by the ready line.
    expect(d.stderr, d.output).not.toMatch(/restarted in/);
    const ready = await readyEvents(d, 2);
    const [first, second] = jsonEvents(d, 'start').concat(jsonEvents(d, 'restart'));
    expect(ready).toEqual([
      expect.objectContaining({ pid: first?.pid, restartMs: null, address: `127.0.0.1:${port}` }),
      expect.objectContaining({ pid: second?.pid, address: `127.0.0.1:${port}` }),
    ]);
    // The restart until ready: from the change, so at least the spawn's figure.
    const restart = jsonEvents(d, 'restart')[0];
    expect(ready[1]?.restartMs).toBeGreaterThanOrEqual(Number(restart?.ms));
    expect(readyFigures(d, port)[1]).toBe(ready[1]?.restartMs);
  });

  it('the figure runs to the listen, not to the spawn: a server that listens 400 ms after it starts', async () => {
    const port = await freePort();
    project = await Project.create();
    await project.write('server.cjs', `setTimeout(() => require('http').createServer((q, s) => s.end('ok')).listen(${port}, '127.0.0.1', () => console.log('[app] listening')), 400);\nprocess.on('SIGTERM', () => process.exit(0));\n`);
    devreload = new Devreload(['--watch', 'src', '--', 'node', 'server.cjs'], { cwd: project.dir });
    const d = devreload;
    await d.waitFor(readyLine(port));
    await project.save('src/app.js');
    await d.waitFor(readyLine(port), 2);
    expect(readyFigures(d, port).every((ms) => ms >= 400), d.output).toBe(true);
  });

  it('only a real listen counts: an app that does not listen keeps `restarted in` and gets no ready line or event, until it listens', async () => {
    const port = await freePort();
    project = await Project.create();
    // Listens only while listen.flag exists (outside src/, so creating it restarts nothing).
    await project.write('server.cjs', `const fs = require('fs');\nconsole.log('[app] up');\nif (fs.existsSync('listen.flag')) require('http').createServer((q, s) => s.end('ok')).listen(${port}, '127.0.0.1');\nelse setInterval(() => {}, 1 << 30);\nprocess.on('SIGTERM', () => process.exit(0));\n`);
    devreload = new Devreload(['--json', '--watch', 'src', '--', 'node', 'server.cjs'], { cwd: project.dir });
    const d = devreload;
    await d.waitFor(/\[app\] up/);
    await project.save('src/app.js');
    await d.waitFor(/\[devreload\] restarted in \d+ ms/);
    await d.waitFor(/\[app\] up/, 2);
    expect(d.stderr).not.toMatch(/\[devreload\] ready in/);
    expect(jsonEvents(d, 'ready')).toEqual([]);
    await project.write('listen.flag', '');
    await project.save('src/app.js');
    await d.waitFor(readyLine(port));
    expect(await readyEvents(d, 1)).toEqual([expect.objectContaining({ address: `127.0.0.1:${port}` })]);
  });

  it('a server that binds its socket and listens later (uvicorn --reload, a server that connects to its database first): ready once it listens, not before', async () => {
    const port = await freePort();
    project = await Project.create();
    // Bound for a second before listen(): devreload looks at the socket several times meanwhile.
    // Node's public API binds and listens in one call: the TCP handle under `net` does one at a time.
    await project.write(
      'server.cjs',
      [
        "const { TCP, constants } = process.binding('tcp_wrap');",
        'const server = new TCP(constants.SERVER);',
        `if (server.bind('127.0.0.1', ${port}) !== 0) process.exit(1);`,
        "console.log('[app] bound');",
        'setTimeout(() => {',
        '  const at = Date.now();',
        '  server.onconnection = (status, client) => client?.close();',
        '  server.listen(511);',
        '  console.log(`[app] listening since ${at}`);',
        '}, 1000);',
        "process.on('SIGTERM', () => process.exit(0));",
        'setInterval(() => {}, 1 << 30);',
        '',
      ].join('\n'),
    );
    devreload = new Devreload(['--json', '--watch', 'src', '--', 'node', 'server.cjs'], { cwd: project.dir });
    const d = devreload;
    await d.waitFor(readyLine(port));
    await project.save('src/app.js');
    await d.waitFor(readyLine(port), 2);
    // The app says so after its listen(): devreload may have seen the listen first.
    await d.waitFor(/\[app\] listening since \d+\n/, 2);
    const listened = [...d.stderr.matchAll(/\[app\] listening since (\d+)/g)].map((match) => Number(match[1]));
    const ready = await readyEvents(d, 2);
    const instances = jsonEvents(d, 'start').concat(jsonEvents(d, 'restart'));
    expect(ready, d.output).toEqual(instances.map((instance) => expect.objectContaining({ pid: instance.pid, address: `127.0.0.1:${port}` })));
    // Each after its instance's listen() (same clock), so a second after its spawn at least.
    expect(listened).toHaveLength(2);
    ready.forEach((event, i) => expect(Date.parse(String(event.time)), d.output).toBeGreaterThanOrEqual(listened[i] ?? Infinity));
    expect(ready.every((event) => Number(event.ms) >= 1000), d.output).toBe(true);
  });

  it('DEVRELOAD_PROCESS_TABLE=ps (the macOS path, no /proc): no default readiness, today’s lines', async () => {
    const port = await freePort();
    const d = await launch(['--watch', 'src'], { PORT: String(port), DEVRELOAD_PROCESS_TABLE: 'ps' });
    await d.waitFor(appListening);
    await project.save('src/app.js');
    await d.waitFor(/\[devreload\] restarted in \d+ ms/);
    await d.waitFor(appListening, 2);
    expect(d.stderr).not.toMatch(/\[devreload\] ready in/);
    // The same app, the same way, with /proc: it is reported.
    await d.dispose();
    const e = await launch(['--watch', 'src'], { PORT: String(port) });
    await e.waitFor(readyLine(port));
  });

  it('--ready wins: its check decides, not the listen', async () => {
    const port = await freePort();
    project = await Project.create();
    // Listens at once, says it is warmed up 400 ms later.
    await project.write('server.cjs', `require('http').createServer((q, s) => s.end('ok')).listen(${port}, '127.0.0.1', () => setTimeout(() => console.log('warmed up'), 400));\nprocess.on('SIGTERM', () => process.exit(0));\n`);
    devreload = new Devreload(['--ready', '/warmed up/', '--watch', 'src', '--', 'node', 'server.cjs'], { cwd: project.dir });
    const d = devreload;
    await d.waitFor(/\[devreload\] ready in \d+ ms/);
    await project.save('src/app.js');
    await d.waitFor(/\[devreload\] ready in \d+ ms/, 2);
    const figures = [...d.stderr.matchAll(/\[devreload\] ready in (\d+) ms$/gm)].map((m) => Number(m[1]));
    expect(figures, d.output).toHaveLength(2);
    expect(figures.every((ms) => ms >= 400), d.output).toBe(true);
    // The restart is reported once, to ready (its `restarted in` line measured to the spawn is not printed).
    expect(d.stderr).not.toMatch(/listening on|restarted in/);
  });

  it('an instance replaced before it listened still gets its `restarted in` line, before the next restart', async () => {
    const port = await freePort();
    project = await Project.create();
    // Listens 1.5 s after it starts: a save meanwhile replaces it first.
    await project.write('server.cjs', `console.log('[app] up');\nsetTimeout(() => require('http').createServer((q, s) => s.end('ok')).listen(${port}, '127.0.0.1'), Number(process.env.DELAY_MS));\nprocess.on('SIGTERM', () => process.exit(0));\n`);
    devreload = new Devreload(['--watch', 'src', '--', 'node', 'server.cjs'], { cwd: project.dir, env: { DELAY_MS: '1500' } });
    const d = devreload;
    await d.waitFor(readyLine(port));
    await project.save('src/app.js');
    await d.waitFor(/\[app\] up/, 2);
    await project.save('src/other.js');
    await d.waitFor(readyLine(port), 2);
    await waitUntil(() => d.count(/restarting:/) === 2, { describe: () => d.output });
    const lines = d.stderr.split('\n').filter((line) => /restarting:|restarted in|ready in/.test(line));
    expect(lines.slice(1).map((line) => line.replace(/\d+ ms/, 'N ms')), d.output).toEqual([
      '[devreload] restarting: src/app.js changed',
      '[devreload] restarted in N ms',
      '[devreload] restarting: src/other.js changed',
      `[devreload] ready in N ms (listening on 127.0.0.1:${port})`,
    ]);
  });
});
