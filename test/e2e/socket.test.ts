import http from 'node:http';
import net from 'node:net';
import { networkInterfaces } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { readTcpTable, TCP_LISTEN } from '../../src/socket/proc-net.js';
import { skipInPass } from '../pass.js';
import { disposeAfterEach, Devreload, freePort, Project, repoRoot, serverFixture } from './harness.js';

const fd3Server = path.join(repoRoot, 'fixtures/socket/fd3-server.js');
const plainServer = path.join(repoRoot, 'fixtures/socket/plain-server.js');

let project: Project | undefined;
let devreload: Devreload | undefined;
let blocker: net.Server | undefined;

disposeAfterEach();
afterEach(() => {
  blocker?.close();
  blocker = undefined;
});

interface Tally {
  ok: number;
  refused: number;
  failed: number;
  pids: Set<number>;
  errors: string[];
  /** Refused connections during each restart (from the save to the new instance's ready line). */
  refusedPerRestart: number[];
}

/** Back-to-back requests on loopback until `stop()`; every request is a new connection. */
function client(port: number): { tally: Tally; stop: () => Promise<void> } {
  const tally: Tally = { ok: 0, refused: 0, failed: 0, pids: new Set(), errors: [], refusedPerRestart: [] };
  let running = true;
  const one = () =>
    new Promise<void>((resolve) => {
      const request = http.get({ host: '127.0.0.1', port, path: '/', agent: false, timeout: 10_000 }, (response) => {
        let body = '';
        response.setEncoding('utf8').on('data', (chunk: string) => (body += chunk));
        response.on('end', () => {
          if (response.statusCode === 200) {
            tally.ok += 1;
            tally.pids.add((JSON.parse(body) as { pid: number }).pid);
          } else {
            tally.failed += 1;
            tally.errors.push(`status ${response.statusCode}`);
          }
          resolve();
        });
        response.on('error', (error) => {
          tally.failed += 1;
          tally.errors.push(error.message);
          resolve();
        });
      });
      request.on('timeout', () => request.destroy(new Error('timeout')));
      request.on('error', (error: NodeJS.ErrnoException) => {
        if (error.code === 'ECONNREFUSED') tally.refused += 1;
        else {
          tally.failed += 1;
          tally.errors.push(error.code ?? error.message);
        }
        resolve();
      });
    });
  const loop = (async () => {
    // Bounded in count and time, whatever happens to devreload.
    const deadline = Date.now() + 180_000;
    for (let i = 0; running && i < 200_000 && Date.now() < deadline; i++) await one();
  })();
  return {
    tally,
    stop: async () => {
      running = false;
      await loop;
    },
  };
}

async function restartsUnderLoad(args: string[], command: string[], restarts: number, readyLine: RegExp, port: number): Promise<Tally> {
  project = await Project.create();
  const p = project;
  devreload = new Devreload([...args, '--watch', 'src', '--', ...command], { cwd: p.dir, env: { APP_RECORD: p.record, PORT: String(port) } });
  const d = devreload;
  await d.waitFor(/\[devreload\] watching/);
  await d.waitFor(readyLine);
  const load = client(port);
  try {
    for (let i = 1; i <= restarts; i++) {
      const refused = load.tally.refused;
      await p.write('src/app.js');
      await d.waitFor(readyLine, i + 1, 20_000);
      load.tally.refusedPerRestart.push(load.tally.refused - refused);
    }
  } finally {
    await load.stop();
  }
  return load.tally;
}

describe('zero-downtime restarts with --socket', () => {
  it('an app listening on fd 3: 50 restarts under load, 0 refused, 0 failed', async () => {
    const port = await freePort();
    const tally = await restartsUnderLoad(['--socket', `127.0.0.1:${port}`], ['node', fd3Server], 50, /\[devreload\] ready in \d+ ms/, port);
    expect({ refused: tally.refused, failed: tally.failed, errors: tally.errors.slice(0, 5) }).toEqual({ refused: 0, failed: 0, errors: [] });
    expect(tally.pids.size).toBeGreaterThanOrEqual(40);
    expect(tally.ok).toBeGreaterThan(100);
  }, 240_000);

  it('an unmodified Node server (listen(port)): 50 restarts under load, 0 refused, 0 failed', async () => {
    const port = await freePort();
    const tally = await restartsUnderLoad(['--socket', `127.0.0.1:${port}`], ['node', plainServer, 'port', String(port)], 50, /\[devreload\] ready in \d+ ms/, port);
    expect({ refused: tally.refused, failed: tally.failed, errors: tally.errors.slice(0, 5) }).toEqual({ refused: 0, failed: 0, errors: [] });
    expect(tally.pids.size).toBeGreaterThanOrEqual(40);
  }, 240_000);

  it('a TypeScript server run through tsx (a Node wrapper between devreload and the server): 10 restarts, 0 refused, 0 failed', async () => {
    const port = await freePort();
    const tsxServer = path.join(repoRoot, 'fixtures/socket/ts-server.ts');
    const tally = await restartsUnderLoad(['--socket', `127.0.0.1:${port}`], ['tsx', tsxServer], 10, /\[devreload\] ready in \d+ ms/, port);
    expect({ refused: tally.refused, failed: tally.failed, errors: tally.errors.slice(0, 5) }).toEqual({ refused: 0, failed: 0, errors: [] });
    expect(tally.pids.size).toBeGreaterThanOrEqual(8);
  }, 240_000);

  // The control for the three above: the same client and pacing see the downtime of a plain
  // stop-then-start, so their "0 refused" measures --socket, not a client that never looks.
  it('without --socket, the same restarts refuse connections', async () => {
    const port = await freePort();
    // --ready <port> (a plain connect check without --socket) paces the restarts like the others.
    const tally = await restartsUnderLoad(['--ready', `127.0.0.1:${port}`], ['node', plainServer, 'port', String(port)], 20, /\[devreload\] ready in \d+ ms/, port);
    const summary = `${tally.refused} refused, ${tally.failed} failed, ${tally.ok} ok from ${tally.pids.size} instances; refused per restart: ${tally.refusedPerRestart.join(' ')}`;
    // Between the old server's exit and the new one's listen() lies at least a Node boot (tens of
    // ms), and the client retries within a millisecond: nearly every restart refuses some. Half
    // leaves room for a client starved of CPU through a whole gap on a busy machine.
    expect(tally.refusedPerRestart.filter((n) => n > 0).length, summary).toBeGreaterThanOrEqual(10);
    expect(tally.pids.size, summary).toBeGreaterThanOrEqual(10);
  }, 240_000);
});

describe('--socket and --ready input', () => {
  it('a port already taken: one line naming the port and the holder', async () => {
    project = await Project.create();
    const port = await freePort();
    blocker = net.createServer();
    await new Promise<void>((resolve) => blocker!.listen(port, '127.0.0.1', resolve));
    devreload = new Devreload(['--socket', `127.0.0.1:${port}`, '--', 'node', serverFixture], { cwd: project.dir, env: { APP_RECORD: project.record } });
    const exit = await devreload.waitForExit();
    expect(exit).toEqual({ code: 2, signal: null });
    const lines = devreload.stderr.trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(new RegExp(`^\\[devreload\\] error: --socket .*port ${port} is already in use by pid ${process.pid}`));
    expect(project.entries('start')).toEqual([]);
  });

  it('a malformed host:port is a clear error', async () => {
    project = await Project.create();
    devreload = new Devreload(['--socket', 'localhost:http', '--', 'node', serverFixture], { cwd: project.dir });
    expect(await devreload.waitForExit()).toEqual({ code: 2, signal: null });
    expect(devreload.stderr.trim().split('\n')).toHaveLength(1);
    expect(devreload.stderr).toMatch(/^\[devreload\] error: --socket/);
  });

  it('--ready /regex/ and --ready <url> print "ready in N ms" for every instance', async () => {
    project = await Project.create();
    const p = project;
    const port = await freePort();
    devreload = new Devreload(['--ready', '/\\] ready$/', '--watch', 'src', '--', 'node', serverFixture], { cwd: p.dir, env: { APP_RECORD: p.record, PORT: String(port) } });
    let d = devreload;
    await d.waitFor(/\[devreload\] ready in \d+ ms/);
    await p.write('src/app.js');
    await d.waitFor(/\[devreload\] ready in \d+ ms/, 2);
    expect(d.stdout).toMatch(/\] ready/);
    await d.dispose();

    devreload = new Devreload(['--ready', `http://127.0.0.1:${port}/`, '--watch', 'src', '--', 'node', serverFixture], { cwd: p.dir, env: { APP_RECORD: p.record, PORT: String(port) } });
    d = devreload;
    await d.waitFor(/\[devreload\] ready in \d+ ms/);
    await d.dispose();
  });

  it('without --ready, the app listening prints "ready in N ms (listening on …)" for every instance', async (context) => {
    skipInPass(context, { ps: 'readiness by default reads the socket table in /proc (Linux); the ps path has none, as on macOS (docs/how-it-works.md)' });
    project = await Project.create();
    const p = project;
    const port = await freePort();
    devreload = new Devreload(['--watch', 'src', '--', 'node', serverFixture], { cwd: p.dir, env: { APP_RECORD: p.record, PORT: String(port) } });
    const d = devreload;
    const listening = new RegExp(`\\[devreload\\] ready in \\d+ ms \\(listening on 127\\.0\\.0\\.1:${port}\\)`);
    await d.waitFor(listening);
    await p.write('src/app.js');
    await d.waitFor(listening, 2);
  });
});

describe('--socket never widens exposure', () => {
  // An unmodified server listening on $PORT and $HOST (none when unset); outside src/, which is watched.
  const hostServer = `const host = process.env.HOST;
require('http').createServer((req, res) => res.end(String(process.pid))).listen(Number(process.env.PORT), host === undefined || host === '' ? undefined : host);
process.on('SIGTERM', () => process.exit(0));
`;
  const ready = /\[devreload\] ready in \d+ ms/;
  const notice = /app listens on /;

  async function start(socket: string, port: number, host?: string): Promise<Devreload> {
    project = await Project.create();
    await project.write('server.cjs', hostServer);
    devreload = new Devreload(['--socket', socket, '--watch', 'src', '--', 'node', 'server.cjs'], { cwd: project.dir, env: { PORT: String(port), HOST: host ?? '' } });
    await devreload.waitFor(ready);
    return devreload;
  }

  /** The kernel's word on where devreload's socket listens. */
  async function boundAddresses(port: number): Promise<string[]> {
    const table = (await readTcpTable()) ?? [];
    return table.filter((e) => e.state === TCP_LISTEN && e.localPort === port).map((e) => e.localAddress);
  }

  it('--socket PORT binds loopback only: reachable on 127.0.0.1, refused on this machine\'s other addresses', async () => {
    const port = await freePort();
    await start(String(port), port);
    expect(await boundAddresses(port)).toEqual(['127.0.0.1']);
    expect(await connectResult(port, '127.0.0.1')).toBe('connected');
    const external = Object.values(networkInterfaces()).flat().find((a) => a !== undefined && !a.internal && a.family === 'IPv4')?.address;
    if (external !== undefined) expect(await connectResult(port, external)).toBe('ECONNREFUSED');
    // listen(port) names no host: nothing to warn about.
    expect(devreload?.count(notice)).toBe(0);
  });

  it('--socket 0.0.0.0:PORT binds every interface', async () => {
    const port = await freePort();
    await start(`0.0.0.0:${port}`, port);
    expect(await boundAddresses(port)).toEqual(['0.0.0.0']);
    expect(devreload?.count(notice)).toBe(0);
  });

  it('an app listening on 0.0.0.0 under a loopback socket is told once across restarts, with the flag that exposes it', async () => {
    const port = await freePort();
    const d = await start(String(port), port, '0.0.0.0');
    await project?.write('src/app.js');
    await d.waitFor(ready, 2);
    await project?.write('src/app.js');
    await d.waitFor(ready, 3);
    // Three instances, each listen()ed before it was ready: one line.
    expect(d.count(/\[devreload\] (started|restarting:)/), d.output).toBe(3);
    expect(d.stderr.match(/^.*app listens on .*$/gm), d.output).toEqual([
      `[devreload] app listens on 0.0.0.0:${port} but --socket ${port} is bound to 127.0.0.1 (loopback only); use --socket 0.0.0.0:${port} to expose it`,
    ]);
    // And it stays loopback: the notice tells, never widens.
    expect(await boundAddresses(port)).toEqual(['127.0.0.1']);
  });

  it('an app listening on 127.0.0.1 under a loopback socket hears nothing', async () => {
    const port = await freePort();
    const d = await start(String(port), port, '127.0.0.1');
    await project?.write('src/app.js');
    await d.waitFor(ready, 2);
    expect(d.count(notice), d.output).toBe(0);
  });

  it.each([
    [':3000', /the host is empty; give 3000 for loopback only or 0\.0\.0\.0:3000 for every interface/],
    ['*:3000', /"\*" is not a host; give 0\.0\.0\.0 \(or \[::\]\) for every interface/],
    ['999.1.1.1:3000', /"999\.1\.1\.1" is not an IPv4 address/],
    ['bad host:3000', /"bad host" is not a host name or IP address/],
    ['[0.0.0.0]:3000', /"0\.0\.0\.0" is not an IPv6 address/],
  ])('a bad host (%s) is one line naming the option, the value and what was expected', async (value, why) => {
    project = await Project.create();
    devreload = new Devreload(['--socket', value, '--', 'node', serverFixture], { cwd: project.dir, env: { APP_RECORD: project.record } });
    expect(await devreload.waitForExit()).toEqual({ code: 2, signal: null });
    const lines = devreload.stderr.trim().split('\n');
    expect(lines, devreload.output).toHaveLength(1);
    expect(lines[0]).toMatch(/^\[devreload\] error: --socket: /);
    expect(lines[0]).toMatch(why);
    expect(lines[0]).toContain(`got ${JSON.stringify(value)} (expected [host:]port, e.g. 3000 (loopback only), 0.0.0.0:3000 (every interface)`);
    expect(project.entries('start')).toEqual([]);
  });
});

/** How a connection attempt to `host`:`port` ends: 'connected' or the error code. */
function connectResult(port: number, host: string): Promise<string> {
  return new Promise((resolve) => {
    const socket = net.connect({ port, host, timeout: 10_000 });
    socket.once('connect', () => {
      socket.destroy();
      resolve('connected');
    });
    socket.once('timeout', () => {
      socket.destroy();
      resolve('timeout');
    });
    socket.once('error', (error: NodeJS.ErrnoException) => resolve(error.code ?? error.message));
  });
}
