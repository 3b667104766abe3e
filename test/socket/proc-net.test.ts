import { describe, expect, it } from 'vitest';
import { describeHolders } from '../../src/socket/holder.js';
import { socketInode } from '../../src/socket/proc-fds.js';
import { formatAddress, parseTcpTable } from '../../src/socket/proc-net.js';

// Rows as Linux prints them: a listening socket with one queued connection, that connection
// (no inode yet: nobody accepted it), the client's side of it, and a v6 listener.
const tcp = `  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode
   1: 0100007F:8EC3 00000000:0000 0A 00000000:00000001 00:00000000 00000000     0        0 180946 2 000000005f562c85 100 0 0 10 0
   4: 0100007F:8EC3 0100007F:BBA0 01 00000000:00000000 00:00000000 00000000     0        0 0 1 000000001f83fae5 20 0 0 10 -1
   6: 0100007F:BBA0 0100007F:8EC3 01 00000000:00000000 00:00000000 00000000     0        0 180959 2 0000000081f63258 20 0 0 10 -1
   7: 00000000:1F90 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 2001 1 0000000000000000 100 0 0 10 0
   8: 020200C0:1F91 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 2002 1 0000000000000000 100 0 0 10 0
garbage
`;
const tcp6 = `  sl  local_address                         remote_address                        st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode
   0: 00000000000000000000000000000000:0BB8 00000000000000000000000000000000:0000 0A 00000000:00000000 00:00000000 00000000  1000        0 77 1 0000000000000000 100 0 0 10 0
   1: 00000000000000000000000001000000:0BB9 00000000000000000000000000000000:0000 0A 00000000:00000000 00:00000000 00000000  1000        0 78 1 0000000000000000 100 0 0 10 0
   2: 0000000000000000FFFF0000020200C0:0BBA 00000000000000000000000000000000:0000 0A 00000000:00000000 00:00000000 00000000  1000        0 79 1 0000000000000000 100 0 0 10 0
   3: 000080FE00000000FF3F0000A3D79A00:0BBB 00000000000000000000000000000000:0000 0A 00000000:00000000 00:00000000 00000000  1000        0 80 1 0000000000000000 100 0 0 10 0
`;

describe('parseTcpTable', () => {
  // The rows are a little-endian machine's (x86, arm64; the kernel prints host byte order).
  it('reads local address, ports, state and inode; skips what it cannot read', () => {
    expect(parseTcpTable(tcp)).toEqual([
      { localAddress: '127.0.0.1', localPort: 36547, remotePort: 0, state: 0x0a, inode: 180946 },
      { localAddress: '127.0.0.1', localPort: 36547, remotePort: 48032, state: 0x01, inode: 0 },
      { localAddress: '127.0.0.1', localPort: 48032, remotePort: 36547, state: 0x01, inode: 180959 },
      { localAddress: '0.0.0.0', localPort: 8080, remotePort: 0, state: 0x0a, inode: 2001 },
      { localAddress: '192.0.2.2', localPort: 8081, remotePort: 0, state: 0x0a, inode: 2002 },
    ]);
    expect(parseTcpTable(tcp6)).toEqual([
      { localAddress: '::', localPort: 3000, remotePort: 0, state: 0x0a, inode: 77 },
      { localAddress: '::1', localPort: 3001, remotePort: 0, state: 0x0a, inode: 78 },
      { localAddress: '::ffff:c000:202', localPort: 3002, remotePort: 0, state: 0x0a, inode: 79 },
      { localAddress: 'fe80::3fff:9a:d7a3', localPort: 3003, remotePort: 0, state: 0x0a, inode: 80 },
    ]);
  });
});

describe('formatAddress', () => {
  it('brackets IPv6 addresses, as a URL holds them', () => {
    expect(formatAddress('127.0.0.1', 3000)).toBe('127.0.0.1:3000');
    expect(formatAddress('0.0.0.0', 80)).toBe('0.0.0.0:80');
    expect(formatAddress('::', 3000)).toBe('[::]:3000');
    expect(formatAddress('::1', 3001)).toBe('[::1]:3001');
  });
});

describe('socketInode', () => {
  it('reads the inode of a /proc/<pid>/fd link to a socket, and nothing else', () => {
    expect(socketInode('socket:[180946]')).toBe(180946);
    expect(socketInode('pipe:[180946]')).toBeUndefined();
    expect(socketInode('anon_inode:[eventpoll]')).toBeUndefined();
    expect(socketInode('/tmp/socket:[1]')).toBeUndefined();
  });
});

describe('describeHolders', () => {
  it.each([
    [[], undefined],
    [[{ pid: 12 }], 'pid 12'],
    [[{ pid: 12, command: 'node server.js' }], 'pid 12 (node server.js)'],
    [[{ pid: 12, command: 'node' }, { pid: 13 }], 'pids 12, 13'],
  ])('%j -> %s', (holders, text) => {
    expect(describeHolders(holders)).toBe(text);
  });
});
