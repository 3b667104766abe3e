import { spawn, type ChildProcess } from 'node:child_process';
import net from 'node:net';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { ListenerSearch } from '../../src/socket/listener.js';
import { socketInodesOf } from '../../src/socket/proc-fds.js';
import { readListeningRows } from '../../src/socket/proc-net.js';
import { unixSocketsAmong } from '../../src/socket/proc-unix.js';
import { waitUntil } from '../wait.js';

// Counts the reads of the TCP tables: each costs ~1.3 ms of kernel time however few rows they hold.
vi.mock('../../src/socket/proc-net.js', async (importOriginal) => {
  const actual = await importOriginal<typeof import('../../src/socket/proc-net.js')>();
  return { ...actual, readListeningRows: vi.fn(actual.readListeningRows) };
});

const started: ChildProcess[] = [];
const grandchildren: number[] = [];
afterEach(() => {
  for (const child of started.splice(0)) child.kill('SIGKILL');
  for (const pid of grandchildren.splice(0)) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // Gone already.
    }
  }
  vi.mocked(readListeningRows).mockClear();
});

/** A node process with a child on stdio pipes (socketpairs: UNIX sockets it holds on fds 3 and up) that listens once told to. */
async function appWithAChild(): Promise<{ pid: number; listen(): Promise<number> }> {
  const script = `
    const child = require('node:child_process').spawn(process.execPath, ['-e', 'setInterval(() => {}, 1 << 30)'], { stdio: 'pipe' });
    child.on('spawn', () => console.log('child ' + child.pid));
    process.stdin.once('data', () => { const s = require('node:net').createServer(); s.listen(0, '127.0.0.1', () => console.log('port ' + s.address().port)); });
`;
  const app = spawn(process.execPath, ['-e', script], { stdio: ['pipe', 'pipe', 'inherit'] });
  started.push(app);
  let out = '';
  app.stdout?.setEncoding('utf8').on('data', (chunk: string) => (out += chunk));
  grandchildren.push(Number(await waitUntil(() => /child (\d+)/.exec(out)?.[1], { describe: () => `the app's child to start; it printed ${JSON.stringify(out)}` })));
  return {
    pid: app.pid!,
    async listen() {
      app.stdin?.write('go\n');
      return Number(await waitUntil(() => /port (\d+)/.exec(out)?.[1], { describe: () => `the app to listen; it printed ${JSON.stringify(out)}` }));
    },
  };
}

/**
 * A node process holding one socket, made by `setup` (JavaScript that sets `s` and calls
 * `ready()`), that runs `then` once told to. A TCP socket bound and not yet listening needs the
 * TCP handle under `net` (whose public API binds and listens in one call): `boundTcp`.
 */
async function nodeWithASocket(setup: string, then = ''): Promise<{ pid: number; go(): Promise<string> }> {
  const script = `let s; const ready = () => console.log('ready');\n${setup}\nprocess.stdin.once('data', () => { ${then}; console.log('done'); });\nsetInterval(() => {}, 1 << 30);\n`;
  const app = spawn(process.execPath, ['-e', script], { stdio: ['pipe', 'pipe', 'inherit'] });
  started.push(app);
  let out = '';
  app.stdout?.setEncoding('utf8').on('data', (chunk: string) => (out += chunk));
  await waitUntil(() => out.includes('ready'), { describe: () => `the app to make its socket; it printed ${JSON.stringify(out)}` });
  return {
    pid: app.pid!,
    async go() {
      app.stdin?.write('go\n');
      await waitUntil(() => out.includes('done'), { describe: () => `the app to go on; it printed ${JSON.stringify(out)}` });
      return out;
    },
  };
}

const boundTcp = "const { TCP, constants } = process.binding('tcp_wrap'); s = new TCP(constants.SERVER); if (s.bind('127.0.0.1', 0) !== 0) process.exit(1); ready();";

describe('ListenerSearch', () => {
  it('tells the UNIX sockets an app holds (the pipes to its children) apart without reading the TCP tables, and finds its listener', async () => {
    const app = await appWithAChild();
    // What the search looks past: there are sockets to decide on.
    expect(socketInodesOf(app.pid, 3).size).toBeGreaterThan(0);
    const search = new ListenerSearch({ ports: [], ephemeral: false });
    for (let look = 0; look < 5; look++) expect(search.look(app.pid, 0)).toBeUndefined();
    expect(readListeningRows).not.toHaveBeenCalled();

    const port = await app.listen();
    expect(search.look(app.pid, 0)).toMatchObject({ localAddress: '127.0.0.1', localPort: port });
    expect(readListeningRows).toHaveBeenCalledTimes(1);
  });

  it('a socket bound first is found once it listens later (uvicorn --reload binds in its reloader and listens in its worker)', async () => {
    const app = await nodeWithASocket(boundTcp, 's.listen(511)');
    const search = new ListenerSearch({ ports: [], ephemeral: false });
    // Bound, not listening: in none of the kernel's tables, whatever the number of looks.
    for (let look = 0; look < 10; look++) expect(search.look(app.pid, 10 * look)).toBeUndefined();
    await app.go();
    // Long enough after the last look that it is looked at again, however the TCP count moved meanwhile.
    expect(search.look(app.pid, 1000)).toMatchObject({ localAddress: '127.0.0.1', state: 0x0a });
  });

  it.each([
    ['a TCP connection', "s = require('node:net').connect(PORT, '127.0.0.1', ready);"],
    ['a UDP socket', "s = require('node:dgram').createSocket('udp4'); s.bind(0, '127.0.0.1', ready);"],
  ])('%s is looked up once after a few looks, then never again', async (_, setup) => {
    const server = net.createServer();
    await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
    try {
      const port = (server.address() as net.AddressInfo).port;
      const app = await nodeWithASocket(setup.replace('PORT', String(port)));
      const search = new ListenerSearch({ ports: [], ephemeral: false });
      for (let look = 0; look < 3; look++) expect(search.look(app.pid, 10 * look)).toBeUndefined();
      vi.mocked(readListeningRows).mockClear();
      // Time enough for a socket not listening yet to be looked at again several times over.
      for (let look = 3; look < 20; look++) expect(search.look(app.pid, 1000 * look)).toBeUndefined();
      expect(readListeningRows).not.toHaveBeenCalled();
    } finally {
      server.close();
    }
  });
});

describe('unixSocketsAmong', () => {
  it('names the UNIX sockets (socketpairs too), not the TCP ones', async () => {
    const app = await appWithAChild();
    const pipes = socketInodesOf(app.pid, 3);
    const server = net.createServer();
    await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
    try {
      const before = socketInodesOf('self');
      const tcp = [...before].filter((inode) => !unixSocketsAmong(before).has(inode));
      expect(unixSocketsAmong(pipes)).toEqual(pipes);
      // The listening socket of our own server, among our sockets, is not a UNIX one.
      expect(tcp.length).toBeGreaterThan(0);
      expect(unixSocketsAmong(new Set(tcp))).toEqual(new Set());
    } finally {
      server.close();
    }
  });
});
