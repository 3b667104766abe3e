import http from 'node:http';
import { PassThrough } from 'node:stream';
import { afterEach, describe, expect, it } from 'vitest';
import { readTcpTable } from '../../src/socket/proc-net.js';
import { nextLookMs, probeReady, type ProbeResult, type ReadyProbe } from '../../src/socket/ready.js';
import type { AcceptVia } from '../../src/socket/ready-attempts.js';
import { get, isPending, PENDING_WINDOW_MS, Resources, socketFixture, within } from './helpers.js';
import { waitUntil } from '../wait.js';

const resources = new Resources();
afterEach(() => resources.cleanUp());

const probes: ReadyProbe[] = [];
afterEach(() => {
  for (const probe of probes.splice(0)) probe.cancel();
});
const probe = (...args: Parameters<typeof probeReady>): ReadyProbe => {
  const started = probeReady(...args);
  probes.push(started);
  return started;
};

/** A port nothing listens on (bound for a moment to find it, then released). */
async function freePort(): Promise<number> {
  const set = await resources.listen();
  const port = set.sockets[0]?.port ?? 0;
  set.close();
  return port;
}

/** A server of our own on `port` that counts connections and answers with `status()`. */
async function server(port: number, status: () => number = () => 200) {
  const counts = { connections: 0, requests: 0 };
  const instance = http.createServer((req, res) => {
    counts.requests += 1;
    res.writeHead(status()).end();
  });
  instance.on('connection', () => (counts.connections += 1));
  await new Promise<void>((done) => instance.listen(port, '127.0.0.1', done));
  resources.defer(() => new Promise<void>((done) => instance.close(() => done())).then(() => undefined));
  resources.defer(() => {
    instance.closeAllConnections();
  });
  return counts;
}

const wait = (ms: number) => new Promise((done) => setTimeout(done, ms));

/** The ms a probe reported once ready (fails on any other outcome, or after the helpers' timeout). */
async function readyMs(ready: Promise<ProbeResult>): Promise<number> {
  const result = await within(ready, 'ready');
  if (result.outcome !== 'ready') throw new Error(`expected ready, got ${JSON.stringify(result)}`);
  return result.ms;
}
const cancelled: ProbeResult = { outcome: 'cancelled' };

describe('probeReady: connect (the app binds the port itself)', () => {
  it('stays pending while the port refuses, and resolves once something listens', async () => {
    const port = await freePort();
    const ready = probe({ kind: 'connect', hosts: ['127.0.0.1', '::1'], port }).ready;
    expect(await isPending(ready)).toBe(true);
    await server(port);
    expect(await readyMs(ready)).toBeGreaterThanOrEqual(PENDING_WINDOW_MS);
  });

  it('stops connecting once cancelled', async () => {
    const port = await freePort();
    const started = probe({ kind: 'connect', hosts: ['127.0.0.1'], port });
    await wait(50);
    started.cancel();
    expect(await started.ready).toEqual(cancelled);
    const counts = await server(port);
    await wait(PENDING_WINDOW_MS);
    expect(counts.connections).toBe(0);
  });
});

describe.each<AcceptVia>(['proc', 'request'])('probeReady: accept on a handed-off socket (via %s)', (acceptVia) => {
  it('stays pending while the connection only waits in the queue, and resolves once an instance accepts', async () => {
    const { sockets } = await resources.listen();
    const socket = sockets[0];
    if (socket === undefined) throw new Error('no socket');
    const ready = probe({ kind: 'accept', host: '127.0.0.1', port: socket.port }, { acceptVia }).ready;
    expect(await isPending(ready)).toBe(true);
    await resources.start({ command: process.execPath, args: [socketFixture('fd3-server.js')], cwd: process.cwd(), env: { ...process.env }, fds: [socket.fd] });
    expect(await readyMs(ready)).toBeGreaterThanOrEqual(PENDING_WINDOW_MS);
  });

  it('drops its queued connection once cancelled and opens no other', async () => {
    const { sockets } = await resources.listen();
    const port = sockets[0]?.port ?? 0;
    const started = probe({ kind: 'accept', host: '127.0.0.1', port }, { acceptVia });
    const ours = async () => ((await readTcpTable()) ?? []).filter((e) => e.remotePort === port && e.state === 0x01).length;
    await waitUntil(async () => (await ours()) > 0, { interval: 5, describe: () => 'the probe to connect' });
    started.cancel();
    expect(await started.ready).toEqual(cancelled);
    await wait(PENDING_WINDOW_MS);
    expect(await ours()).toBe(0);
  });
});

describe('probeReady: accept via proc', () => {
  it('sends the app nothing: no request shows up in its log', async () => {
    const { sockets } = await resources.listen();
    const socket = sockets[0];
    if (socket === undefined) throw new Error('no socket');
    const counting = "let n = 0; require('http').createServer((req, res) => res.end(String(++n))).listen({ fd: 3 });";
    await resources.start({ command: process.execPath, args: ['-e', counting], cwd: process.cwd(), env: { ...process.env }, fds: [socket.fd] });
    await readyMs(probe({ kind: 'accept', host: '127.0.0.1', port: socket.port }, { acceptVia: 'proc' }).ready);
    expect((await get(socket.port)).body).toBe('1');
  });
});

describe('probeReady: url', () => {
  it('waits past server errors for a status below 500', async () => {
    const port = await freePort();
    const statuses = [503, 500, 404];
    const counts = await server(port, () => statuses.shift() ?? 200);
    const ready = await readyMs(probe({ kind: 'url', url: `http://127.0.0.1:${port}/health` }).ready);
    // 404 is an answer: the app is up, the route is the app's business.
    expect(counts.requests).toBe(3);
    expect(ready).toBeGreaterThan(0);
  });

  it('resolves through a handed-off socket once an instance answers the queued request', async () => {
    const { sockets } = await resources.listen();
    const socket = sockets[0];
    if (socket === undefined) throw new Error('no socket');
    const ready = probe({ kind: 'url', url: `http://127.0.0.1:${socket.port}/` }).ready;
    expect(await isPending(ready)).toBe(true);
    await resources.start({ command: process.execPath, args: [socketFixture('fd3-server.js')], cwd: process.cwd(), env: { ...process.env }, fds: [socket.fd] });
    expect(await readyMs(ready)).toBeGreaterThanOrEqual(PENDING_WINDOW_MS);
  });

  it('stops requesting once cancelled', async () => {
    const port = await freePort();
    const started = probe({ kind: 'url', url: `http://127.0.0.1:${port}/` });
    await wait(50);
    started.cancel();
    expect(await started.ready).toEqual(cancelled);
    const counts = await server(port);
    await wait(PENDING_WINDOW_MS);
    expect(counts).toEqual({ connections: 0, requests: 0 });
  });
});

describe('probeReady: output', () => {
  it('resolves on the first matching line, colours removed', async () => {
    const started = probe({ kind: 'output', pattern: /listening on port \d+/ });
    started.line('booting');
    started.line('\u001b[32mlistening on port\u001b[0m \u001b[1m3000\u001b[22m');
    expect(await readyMs(started.ready)).toBeGreaterThanOrEqual(0);
  });

  it('sees through cursor moves and terminal hyperlinks (OSC 8)', async () => {
    const started = probe({ kind: 'output', pattern: /^ready at http:\/\/x$/ });
    started.line('\u001b[2K\u001b[1Gready at \u001b]8;;http://x\u0007http://x\u001b]8;;\u0007');
    expect(await readyMs(started.ready)).toBeGreaterThanOrEqual(0);
  });

  it('ignores lines that do not match, and every line after cancel', async () => {
    const started = probe({ kind: 'output', pattern: /ready/ });
    started.line('not yet');
    expect(await isPending(started.ready)).toBe(true);
    started.cancel();
    started.line('ready');
    expect(await started.ready).toEqual(cancelled);
  });

  it('cancel after ready changes nothing', async () => {
    const started = probe({ kind: 'output', pattern: /ready/ });
    started.line('ready');
    const result = await started.ready;
    started.cancel();
    expect(await started.ready).toBe(result);
    expect(result.outcome).toBe('ready');
  });
});

describe('probeReady: listen (the default: the instance listens on a TCP port)', () => {
  const inspector = { ports: [9229], ephemeral: false };
  // Listens on a port of the kernel's choice once a line arrives on stdin, and prints it.
  const listenOnLine = "process.stdin.once('data', () => { const s = require('net').createServer(); s.listen(0, '127.0.0.1', () => console.log('port ' + s.address().port)); });";

  /** Starts `command args` as devreload does: the probe first (it notes what listens already), then the spawn. */
  async function start(command: string, args: string[], check = { kind: 'listen' as const, inspector }, extra: { fds?: number[]; giveUpMs?: number; leaderAfterMs?: number } = {}) {
    let setLeader!: (pid: number) => void;
    const leader = new Promise<number>((resolve) => (setLeader = resolve));
    const started = probe(check, { leader, ...(extra.giveUpMs === undefined ? {} : { giveUpMs: extra.giveUpMs }) });
    const lines: string[] = [];
    const instance = await resources.start({
      command,
      args,
      cwd: process.cwd(),
      env: { ...process.env, NODE_OPTIONS: '' },
      ...(extra.fds === undefined ? {} : { fds: extra.fds }),
      onOutputLine: (line) => lines.push(line),
      copyTo: { stdout: new PassThrough().resume(), stderr: new PassThrough().resume() },
    });
    if (extra.leaderAfterMs !== undefined) await wait(extra.leaderAfterMs);
    setLeader(instance.pid);
    const port = () => waitUntil(() => lines.map((l) => /^port (\d+)$/.exec(l)?.[1]).find(Boolean), { describe: () => `the app to print its port; it printed ${JSON.stringify(lines)}` }).then(Number);
    return { started, instance, port };
  }

  it('resolves once the leader listens, with the address the kernel shows', async () => {
    const { started, instance, port } = await start(process.execPath, ['-e', listenOnLine]);
    expect(await isPending(started.ready)).toBe(true);
    instance.write('go\n');
    const result = await within(started.ready, 'ready');
    expect(result).toEqual({ outcome: 'ready', ms: expect.any(Number), address: `127.0.0.1:${await port()}` });
  });

  it('finds a listen in a descendant (npm run, tsx and sh -c start the server as a child)', async () => {
    // `; :` keeps sh as the parent instead of exec'ing node.
    const { started, instance, port } = await start('/bin/sh', ['-c', '"$0" -e "$1"; :', process.execPath, listenOnLine]);
    instance.write('go\n');
    expect(await within(started.ready, 'ready')).toEqual({ outcome: 'ready', ms: expect.any(Number), address: `127.0.0.1:${await port()}` });
  });

  it('a socket it inherited listening, and another program starting to listen, are not the instance listening', async () => {
    const { sockets } = await resources.listen();
    const inherited = sockets[0];
    if (inherited === undefined) throw new Error('no socket');
    const { started, instance, port } = await start(process.execPath, ['-e', listenOnLine], undefined, { fds: [inherited.fd] });
    await server(await freePort());
    expect(await isPending(started.ready)).toBe(true);
    instance.write('go\n');
    expect(await within(started.ready, 'ready')).toEqual({ outcome: 'ready', ms: expect.any(Number), address: `127.0.0.1:${await port()}` });
  });

  it('an inspector’s port is not the app listening (it opens before any user code runs)', async () => {
    const inspect = await freePort();
    const args = [`--inspect=127.0.0.1:${inspect}`, '-e', 'setInterval(() => {}, 1 << 30)'];
    const ignored = await start(process.execPath, args, { kind: 'listen', inspector: { ports: [9229, inspect], ephemeral: false } });
    expect(await isPending(ignored.started.ready)).toBe(true);
    await ignored.instance.signal('SIGKILL');
    await ignored.instance.gone;
    // The same without the inspector's port named: it would have been taken for the app.
    const taken = await start(process.execPath, args, { kind: 'listen', inspector: { ports: [], ephemeral: false } });
    expect(await within(taken.started.ready, 'ready')).toEqual({ outcome: 'ready', ms: expect.any(Number), address: `127.0.0.1:${inspect}` });
  });

  it('a port from the ephemeral range is ignored when an inspector may have taken one (a debugger’s bootloader)', async () => {
    const { started, instance } = await start(process.execPath, ['-e', listenOnLine], { kind: 'listen', inspector: { ports: [], ephemeral: true } });
    instance.write('go\n');
    expect(await isPending(started.ready)).toBe(true);
  });

  it('settleNow() looks once more: listening since the last look is ready, not listening is cancelled', async () => {
    // The looks are a tenth of the start-up time apart: 2 s in, 200 ms, which the listen falls into.
    const { started, instance, port } = await start(process.execPath, ['-e', listenOnLine], undefined, { leaderAfterMs: 2000 });
    expect(await isPending(started.ready)).toBe(true);
    instance.write('go\n');
    const address = `127.0.0.1:${await port()}`;
    const result = started.settleNow();
    expect(result).toEqual({ outcome: 'ready', ms: expect.any(Number), address });
    expect(await started.ready).toBe(result);
    expect(started.settleNow()).toBe(result);

    const idle = await start(process.execPath, ['-e', 'setInterval(() => {}, 1 << 30)']);
    expect(idle.started.settleNow()).toEqual(cancelled);
    expect(await idle.started.ready).toEqual(cancelled);
  });

  it('gives up after its bound when the instance never listens', async () => {
    const { started } = await start(process.execPath, ['-e', 'setInterval(() => {}, 1 << 30)'], undefined, { giveUpMs: 200 });
    expect(await within(started.ready, 'gave up')).toEqual({ outcome: 'gaveUp' });
  });
});

describe('nextLookMs', () => {
  it('looks every tenth of the time the instance has been starting, between 5 ms and 1 s', () => {
    expect([0, 20, 50, 100, 330, 5000, 10_000, 60_000].map(nextLookMs)).toEqual([5, 5, 5, 10, 33, 500, 1000, 1000]);
  });
});
