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
