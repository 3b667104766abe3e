import { describe, expect, it } from 'vitest';
import { DevreloadError } from '../../src/errors.js';
import type { ListeningSocket } from '../../src/socket/listen.js';
import { parseReadyTarget, readyCheckFor } from '../../src/socket/ready-target.js';

describe('parseReadyTarget', () => {
  it.each([
    ['3000', { kind: 'port', port: 3000 }],
    [3000, { kind: 'port', port: 3000 }],
    ['localhost:3000', { kind: 'port', host: 'localhost', port: 3000 }],
    ['[::1]:3000', { kind: 'port', host: '::1', port: 3000 }],
    ['http://localhost:3000/health', { kind: 'url', url: 'http://localhost:3000/health' }],
    ['HTTPS://example.test', { kind: 'url', url: 'https://example.test/' }],
  ])('%j -> %j', (value, expected) => {
    expect(parseReadyTarget(value)).toEqual(expected);
  });

  it('reads /regex/flags as an output pattern, dropping the stateful g and y flags', () => {
    const target = parseReadyTarget('/listening on (port )?\\d+/giy');
    expect(target.kind).toBe('output');
    if (target.kind !== 'output') return;
    expect(target.pattern.source).toBe('listening on (port )?\\d+');
    expect(target.pattern.flags).toBe('i');
    // Stateless: the same line matches every time.
    expect([1, 2, 3].map(() => target.pattern.test('Listening on port 3000'))).toEqual([true, true, true]);
  });

  it.each([
    ['', /^--ready: expected a port \(3000\), host:port, a URL .* or a \/regex\/ matching a line the app prints, got ""$/],
    ['soon', /^--ready: expected a port .*, got "soon"$/],
    ['99999', /^--ready: expected a port .*, got "99999"$/],
    ['/(unclosed/', /^--ready: "\/\(unclosed\/" is not a valid regular expression \(/],
    ['http://', /^--ready: "http:\/\/" is not a valid URL$/],
  ])('rejects %j', (value, why) => {
    expect(() => parseReadyTarget(value)).toThrow(DevreloadError);
    expect(() => parseReadyTarget(value)).toThrow(why);
  });
});

describe('readyCheckFor', () => {
  const socket = (address: string, port: number, host?: string): ListeningSocket => ({
    spec: host === undefined ? { port } : { host, port },
    address,
    family: address.includes(':') ? 'IPv6' : 'IPv4',
    port,
    fd: 20,
    inode: 1,
  });
  const sockets = [socket('::', 3000), socket('127.0.0.1', 3001, 'localhost')];

  it('defaults to the first handed-off socket accepting, and to nothing without sockets', () => {
    expect(readyCheckFor(undefined, sockets)).toEqual({ kind: 'accept', host: '::1', port: 3000 });
    expect(readyCheckFor(undefined, [socket('0.0.0.0', 4000)])).toEqual({ kind: 'accept', host: '127.0.0.1', port: 4000 });
    expect(readyCheckFor(undefined, [])).toBeUndefined();
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
