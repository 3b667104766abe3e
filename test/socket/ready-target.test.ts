import { describe, expect, it } from 'vitest';
import type { ListeningSocket } from '../../src/socket/listen.js';
import { readyCheckFor } from '../../src/socket/ready-target.js';

describe('readyCheckFor', () => {
  const socket = (address: string, port: number, host?: string): ListeningSocket => ({
    spec: host === undefined ? { port } : { host, port },
    address,
    port,
    fd: 20,
    inode: 1,
    option: '--socket',
    noticeDir: '/tmp/devreload-notices',
  });
  const sockets = [socket('::', 3000), socket('127.0.0.1', 3001, 'localhost')];

  it('defaults to the first handed-off socket accepting, and to nothing without sockets', () => {
    expect(readyCheckFor(undefined, sockets)).toEqual({ kind: 'accept', host: '::1', port: 3000 });
    expect(readyCheckFor(undefined, [socket('0.0.0.0', 4000)])).toEqual({ kind: 'accept', host: '127.0.0.1', port: 4000 });
    expect(readyCheckFor(undefined, [])).toBeUndefined();
  });

  it('without --ready or sockets, the app listening anywhere, where the kernel’s tables can be read; --ready and --socket win', () => {
    const inspector = { ports: [9229], ephemeral: false };
    expect(readyCheckFor(undefined, [], inspector)).toEqual({ kind: 'listen', inspector });
    expect(readyCheckFor(undefined, sockets, inspector)).toEqual({ kind: 'accept', host: '::1', port: 3000 });
    expect(readyCheckFor({ kind: 'port', port: 8080 }, [], inspector)).toEqual({ kind: 'connect', hosts: ['127.0.0.1', '::1'], port: 8080 });
    expect(readyCheckFor({ kind: 'url', url: 'http://localhost:3000/' }, [], inspector)).toEqual({ kind: 'url', url: 'http://localhost:3000/' });
  });

  it('waits for an accept on a handed-off port (a bare connect would succeed at once)', () => {
    expect(readyCheckFor({ kind: 'port', port: 3001 }, sockets)).toEqual({ kind: 'accept', host: '127.0.0.1', port: 3001 });
    expect(readyCheckFor({ kind: 'port', host: 'localhost', port: 3001 }, sockets)).toEqual({ kind: 'accept', host: '127.0.0.1', port: 3001 });
  });

  it('connects to a port the app binds itself, on both loopbacks unless a host is given', () => {
    expect(readyCheckFor({ kind: 'port', port: 8080 }, sockets)).toEqual({ kind: 'connect', hosts: ['127.0.0.1', '::1'], port: 8080 });
    expect(readyCheckFor({ kind: 'port', host: 'localhost', port: 8080 }, [])).toEqual({ kind: 'connect', hosts: ['localhost'], port: 8080 });
  });

  it('keeps URL and output checks as they are', () => {
    const pattern = /up/;
    expect(readyCheckFor({ kind: 'url', url: 'http://localhost:3000/' }, sockets)).toEqual({ kind: 'url', url: 'http://localhost:3000/' });
    expect(readyCheckFor({ kind: 'output', pattern }, sockets)).toEqual({ kind: 'output', pattern });
  });
});
