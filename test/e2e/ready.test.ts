import { beforeEach, describe, expect, it } from 'vitest';
import { skipInPass } from '../pass.js';
import { disposeAfterEach, Devreload, freePort, jsonEvents, Project, serverFixture, waitUntil } from './harness.js';

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
    const ready = jsonEvents(d, 'ready');
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
    expect(jsonEvents(d, 'ready')).toEqual([expect.objectContaining({ address: `127.0.0.1:${port}` })]);
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
