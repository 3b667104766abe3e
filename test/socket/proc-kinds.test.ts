import dgram from 'node:dgram';
import net from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { socketInodesOf } from '../../src/socket/proc-fds.js';
import { socketKinds, tcpSocketsInUse } from '../../src/socket/proc-kinds.js';

const cleanUps: (() => void)[] = [];
afterEach(() => {
  for (const cleanUp of cleanUps.splice(0)) cleanUp();
});

/** The socket inodes this process opened while `open` ran. */
async function opened(open: () => Promise<void>): Promise<Set<number>> {
  const before = socketInodesOf('self');
  await open();
  return new Set([...socketInodesOf('self')].filter((inode) => !before.has(inode)));
}

describe.skipIf(process.platform !== 'linux')('socketKinds', () => {
  it('a listener is listening; a connection (both ends) and a UDP socket are others; a UNIX socket is in none of the tables it reads', async () => {
    const server = net.createServer();
    cleanUps.push(() => server.close());
    const listener = await opened(() => new Promise((done) => server.listen(0, '127.0.0.1', done)));
    const port = (server.address() as net.AddressInfo).port;
    const connection = await opened(async () => {
      const accepted = new Promise<net.Socket>((done) => server.once('connection', done));
      const client = net.connect(port, '127.0.0.1');
      cleanUps.push(() => client.destroy());
      (await accepted).on('error', () => undefined);
    });
    const udp = await opened(async () => {
      const socket = dgram.createSocket('udp4');
      cleanUps.push(() => socket.close());
      await new Promise<void>((done) => socket.bind(0, '127.0.0.1', done));
    });
    const unix = await opened(async () => {
      const pipe = net.createServer();
      cleanUps.push(() => pipe.close());
      await new Promise<void>((done) => pipe.listen(`\0devreload-kinds-${process.pid}`, done));
    });
    expect([listener.size, connection.size, udp.size, unix.size]).toEqual([1, 2, 1, 1]);

    const kinds = socketKinds(new Set([...listener, ...connection, ...udp, ...unix]));
    expect(kinds.listening.map((row) => [row.inode, row.localPort])).toEqual([[[...listener][0], port]]);
    expect(kinds.others).toEqual(new Set([...connection, ...udp]));
  });
});

describe.skipIf(process.platform !== 'linux')('tcpSocketsInUse', () => {
  it('counts the listed TCP sockets, ours among them', async () => {
    const server = net.createServer();
    cleanUps.push(() => server.close());
    await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
    expect(tcpSocketsInUse()).toBeGreaterThanOrEqual(1);
  });
});
