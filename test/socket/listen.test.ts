import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import net from 'node:net';
import { networkInterfaces } from 'node:os';
import { afterEach, describe, expect, it } from 'vitest';
import { DevreloadError } from '../../src/errors.js';
import { listenSockets } from '../../src/socket/listen.js';
import { readTcpTable, TCP_LISTEN } from '../../src/socket/proc-net.js';
import { firstReply, isPending, Resources, socketFixture, waitFor, within } from './helpers.js';

const resources = new Resources();
afterEach(() => resources.cleanUp());

/** A separate process listening on a free port of `host`; resolves with its pid and port. */
async function holder(host: string): Promise<{ pid: number; port: number }> {
  const script = `const s = require('net').createServer().listen(0, ${JSON.stringify(host)}, () => console.log(s.address().port)); setInterval(() => {}, 1e6);`;
  const child: ChildProcess = spawn(process.execPath, ['-e', script], { stdio: ['ignore', 'pipe', 'inherit'] });
  resources.defer(() => {
    child.kill('SIGKILL');
  });
  const port = await within(new Promise<number>((done) => child.stdout?.once('data', (chunk: Buffer) => done(Number(String(chunk).trim())))), 'the holder to listen');
  return { pid: child.pid ?? 0, port };
}

/** How a connection attempt to `host`:`port` ends: 'connected' or the error code. */
function connectResult(port: number, host: string): Promise<string> {
  const attempt = new Promise<string>((done) => {
    const socket = net.connect(port, host);
    socket.once('error', (e: NodeJS.ErrnoException) => done(e.code ?? e.message)).once('connect', () => {
      socket.destroy();
      done('connected');
    });
  });
  return within(attempt, `a connection attempt to ${host}:${port}`);
}

/**
 * An IPv4 address of this machine outside the loopback interface; undefined on a machine
 * without one (then the kernel's table, checked beside it, is the evidence).
 */
function nonLoopbackAddress(): string | undefined {
  return Object.values(networkInterfaces())
    .flat()
    .find((a) => a !== undefined && !a.internal && a.family === 'IPv4')?.address;
}

/** A client connection to `port`, destroyed at clean-up. */
async function connect(port: number): Promise<net.Socket> {
  const socket = net.connect(port, '127.0.0.1');
  resources.defer(() => {
    socket.destroy();
  });
  await within(new Promise((done, fail) => socket.once('connect', done).once('error', fail)), `a connection to ${port}`);
  return socket;
}

describe('listenSockets', () => {
  it('binds and listens, reporting address, port, fd and inode', async () => {
    const { sockets } = await resources.listen({ host: '127.0.0.1', port: 0 }, { host: '127.0.0.1', port: 0 });
    expect(sockets).toHaveLength(2);
    for (const socket of sockets) {
      expect(socket).toMatchObject({ spec: { host: '127.0.0.1', port: 0 }, address: '127.0.0.1' });
      expect(socket.port).toBeGreaterThan(0);
      expect(socket.fd).toBeGreaterThan(2);
      expect(socket.inode).toBeGreaterThan(0);
    }
    expect(new Set(sockets.map((s) => s.port)).size).toBe(2);
    const table = (await readTcpTable()) ?? [];
    expect(sockets.map((s) => table.some((e) => e.inode === s.inode && e.localPort === s.port && e.state === 0x0a))).toEqual([true, true]);
  });

  it('binds the loopback interface only when no host is given (--socket 3000 never exposes the port)', async () => {
    const { sockets } = await resources.listen({ port: 0 });
    const socket = sockets[0];
    if (socket === undefined) throw new Error('no socket');
    expect(socket).toMatchObject({ address: '127.0.0.1' });
    await connect(socket.port);
    // What the kernel bound, whatever devreload reports.
    const entry = (await readTcpTable())?.find((e) => e.inode === socket.inode && e.state === TCP_LISTEN);
    expect(entry).toMatchObject({ localAddress: '127.0.0.1', localPort: socket.port });
    // And from outside the loopback interface: refused, where a wildcard socket would answer.
    const external = nonLoopbackAddress();
    if (external !== undefined) expect(await connectResult(socket.port, external)).toBe('ECONNREFUSED');
  });

  it('binds localhost as 127.0.0.1, whatever the resolver would pick first', async () => {
    const { sockets } = await resources.listen({ host: 'localhost', port: 0 });
    expect(sockets[0]).toMatchObject({ address: '127.0.0.1' });
  });

  it('binds every interface only when asked (0.0.0.0 or [::])', async () => {
    const external = nonLoopbackAddress();
    for (const host of ['0.0.0.0', '::']) {
      const { sockets } = await resources.listen({ host, port: 0 });
      const socket = sockets[0];
      if (socket === undefined) throw new Error('no socket');
      const entry = (await readTcpTable())?.find((e) => e.inode === socket.inode && e.state === TCP_LISTEN);
      expect(entry).toMatchObject({ localAddress: host, localPort: socket.port });
      await connect(socket.port);
      if (external !== undefined) expect(await connectResult(socket.port, external)).toBe('connected');
    }
  });

  it('queues connections without ever accepting them itself, until an instance does', async () => {
    const { sockets } = await resources.listen();
    const socket = sockets[0];
    if (socket === undefined) throw new Error('no socket');
    const client = await connect(socket.port);
    const accepted = waitFor('the connection to be accepted', async () => {
      const entry = (await readTcpTable())?.find((e) => e.localPort === socket.port && e.remotePort === client.localPort);
      return entry !== undefined && entry.inode !== 0 ? entry : undefined;
    });
    // The server side of the connection has no inode while it waits in the accept queue.
    expect(await isPending(accepted)).toBe(true);
    const instance = await resources.start({ command: process.execPath, args: [socketFixture('fd3-server.js')], cwd: process.cwd(), env: { ...process.env }, fds: [socket.fd] });
    await within(accepted, 'the app to accept the queued connection');
    expect(await firstReply(instance, socket.port)).toEqual({ pid: instance.pid, port: socket.port });
  });

  it('close() frees the port, removes the run\'s notice directory and is idempotent', async () => {
    const set = await listenSockets([{ host: '127.0.0.1', port: 0 }]);
    const port = set.sockets[0]?.port ?? 0;
    const noticeDir = set.sockets[0]?.noticeDir ?? '';
    // Made by the first preload that reports a host mismatch.
    mkdirSync(noticeDir);
    set.close();
    set.close();
    expect(await connectResult(port, '127.0.0.1')).toBe('ECONNREFUSED');
    expect(existsSync(noticeDir)).toBe(false);
    const again = await listenSockets([{ host: '127.0.0.1', port }]);
    again.close();
  });
});

describe('listenSockets: a port already taken', () => {
  it.each([
    ['the same address', '127.0.0.1', { host: '127.0.0.1' }],
    ['no host: loopback', '127.0.0.1', {}],
  ])('names the port and the pid holding it (%s)', async (_, holderHost, spec) => {
    const { pid, port } = await holder(holderHost);
    const failure = listenSockets([{ ...spec, port }]);
    await expect(failure).rejects.toThrow(DevreloadError);
    const where = 'host' in spec ? `127.0.0.1:${port}` : String(port);
    await expect(failure).rejects.toThrow(`--socket ${where}: port ${port} is already in use by pid ${pid} (`);
    await expect(failure).rejects.toThrow(/; stop it or choose another port$/);
  });

  it('closes the sockets it already bound when a later one fails', async () => {
    const { port } = await holder('127.0.0.1');
    const free = await listenSockets([{ host: '127.0.0.1', port: 0 }]);
    const freePort = free.sockets[0]?.port ?? 0;
    free.close();
    await expect(listenSockets([{ host: '127.0.0.1', port: freePort }, { host: '127.0.0.1', port }])).rejects.toThrow(`port ${port} is already in use`);
    // Bindable again: the first socket was closed on the way out.
    (await listenSockets([{ host: '127.0.0.1', port: freePort }])).close();
  });

  it('names the option as the caller spells it', async () => {
    const { port } = await holder('127.0.0.1');
    await expect(listenSockets([{ host: '127.0.0.1', port }], { option: 'socket' })).rejects.toThrow(`socket 127.0.0.1:${port}: port ${port} is already in use`);
  });
});

describe('listenSockets: bad addresses', () => {
  it('names a host that does not resolve', async () => {
    const failure = listenSockets([{ host: 'devreload-no-such-host.invalid', port: 3000 }]);
    await expect(failure).rejects.toThrow(DevreloadError);
    await expect(failure).rejects.toThrow(/^--socket devreload-no-such-host\.invalid:3000: cannot resolve host "devreload-no-such-host\.invalid" \(/);
  });

  it('names an address that is not one of this machine', async () => {
    // 192.0.2.0/24 is TEST-NET-1: never assigned to a real interface.
    const failure = listenSockets([{ host: '192.0.2.1', port: 3000 }]);
    await expect(failure).rejects.toThrow(DevreloadError);
    await expect(failure).rejects.toThrow('--socket 192.0.2.1:3000: 192.0.2.1 is not an address of this machine');
  });
});
