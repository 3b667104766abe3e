import http from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import { readTcpTable } from '../../src/socket/proc-net.js';
import { probeReady, type ReadyProbe } from '../../src/socket/ready.js';
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

describe('probeReady: connect (the app binds the port itself)', () => {
  it('stays pending while the port refuses, and resolves once something listens', async () => {
    const port = await freePort();
    const ready = probe({ kind: 'connect', hosts: ['127.0.0.1', '::1'], port }).ready;
    expect(await isPending(ready)).toBe(true);
    await server(port);
    expect(await within(ready, 'ready')).toBeGreaterThanOrEqual(PENDING_WINDOW_MS);
  });

  it('stops connecting once cancelled', async () => {
    const port = await freePort();
    const started = probe({ kind: 'connect', hosts: ['127.0.0.1'], port });
    await wait(50);
    started.cancel();
    expect(await started.ready).toBeNull();
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
    expect(await within(ready, 'ready')).toBeGreaterThanOrEqual(PENDING_WINDOW_MS);
  });

  it('drops its queued connection once cancelled and opens no other', async () => {
    const { sockets } = await resources.listen();
    const port = sockets[0]?.port ?? 0;
    const started = probe({ kind: 'accept', host: '127.0.0.1', port }, { acceptVia });
    const ours = async () => ((await readTcpTable()) ?? []).filter((e) => e.remotePort === port && e.state === 0x01).length;
    await waitUntil(async () => (await ours()) > 0, { interval: 5, describe: () => 'the probe to connect' });
    started.cancel();
    expect(await started.ready).toBeNull();
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
    await within(probe({ kind: 'accept', host: '127.0.0.1', port: socket.port }, { acceptVia: 'proc' }).ready, 'ready');
    expect((await get(socket.port)).body).toBe('1');
  });
});

describe('probeReady: url', () => {
  it('waits past server errors for a status below 500', async () => {
    const port = await freePort();
    const statuses = [503, 500, 404];
    const counts = await server(port, () => statuses.shift() ?? 200);
    const ready = await within(probe({ kind: 'url', url: `http://127.0.0.1:${port}/health` }).ready, 'ready');
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
    expect(await within(ready, 'ready')).toBeGreaterThanOrEqual(PENDING_WINDOW_MS);
  });

  it('stops requesting once cancelled', async () => {
    const port = await freePort();
    const started = probe({ kind: 'url', url: `http://127.0.0.1:${port}/` });
    await wait(50);
    started.cancel();
    expect(await started.ready).toBeNull();
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
    expect(await within(started.ready, 'ready')).toBeGreaterThanOrEqual(0);
  });

  it('sees through cursor moves and terminal hyperlinks (OSC 8)', async () => {
    const started = probe({ kind: 'output', pattern: /^ready at http:\/\/x$/ });
    started.line('\u001b[2K\u001b[1Gready at \u001b]8;;http://x\u0007http://x\u001b]8;;\u0007');
    expect(await within(started.ready, 'ready')).toBeGreaterThanOrEqual(0);
  });

  it('ignores lines that do not match, and every line after cancel', async () => {
    const started = probe({ kind: 'output', pattern: /ready/ });
    started.line('not yet');
    expect(await isPending(started.ready)).toBe(true);
    started.cancel();
    started.line('ready');
    expect(await started.ready).toBeNull();
  });

  it('cancel after ready changes nothing', async () => {
    const started = probe({ kind: 'output', pattern: /ready/ });
    started.line('ready');
    const ms = await started.ready;
    started.cancel();
    expect(await started.ready).toBe(ms);
  });
});
