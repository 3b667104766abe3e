import { describe, expect, it } from 'vitest';
import { DevreloadError } from '../../src/errors.js';
import { boundHost, formatSocketSpec, parseSocketSpec, parseSocketSpecs } from '../../src/options/socket.js';

describe('parseSocketSpec', () => {
  it.each([
    ['3000', { port: 3000 }],
    [3000, { port: 3000 }],
    [' 8080 ', { port: 8080 }],
    ['localhost:3000', { host: 'localhost', port: 3000 }],
    ['127.0.0.1:3000', { host: '127.0.0.1', port: 3000 }],
    ['0.0.0.0:1', { host: '0.0.0.0', port: 1 }],
    ['0.0.0.0:3000', { host: '0.0.0.0', port: 3000 }],
    ['192.0.2.2:3000', { host: '192.0.2.2', port: 3000 }],
    ['[::1]:3000', { host: '::1', port: 3000 }],
    ['[::]:65535', { host: '::', port: 65535 }],
    ['[fe80::1]:443', { host: 'fe80::1', port: 443 }],
    ['my-box.local:5000', { host: 'my-box.local', port: 5000 }],
  ])('%j -> %j', (value, expected) => {
    expect(parseSocketSpec(value)).toEqual(expected);
  });

  it.each([
    ['', /expected a port or host:port/],
    ['abc', /"abc" is not a port number/],
    ['localhost', /"localhost" is not a port number/],
    ['localhost:', /missing the port/],
    ['localhost:http', /"http" is not a port number/],
    ['0', /port 0 is out of range \(1-65535\)/],
    ['65536', /port 65536 is out of range/],
    ['-1', /"-1" is not a port number/],
    ['3000.5', /"3000.5" is not a port number/],
    ['::1:3000', /put an IPv6 address in brackets, e\.g\. \[::1\]:3000/],
    ['[::1:3000', /missing "\]"/],
    ['[::1]3000', /expected ":port" after "\]"/],
    ['[nope]:3000', /"nope" is not an IPv6 address/],
    ['bad host:3000', /"bad host" is not a host name or IP address/],
    ['http://localhost:3000', /a URL is not a socket address/],
    // Go's `:3000` is every interface, devreload's `3000` loopback: neither is guessed.
    [':3000', /the host is empty; give 3000 for loopback only or 0\.0\.0\.0:3000 for every interface/],
    ['*:3000', /"\*" is not a host; give 0\.0\.0\.0 \(or \[::\]\) for every interface/],
    ['999.1.1.1:3000', /"999\.1\.1\.1" is not an IPv4 address/],
    ['127.0.1:3000', /"127\.0\.1" is not an IPv4 address/],
    ['[0.0.0.0]:3000', /"0\.0\.0\.0" is not an IPv6 address/],
  ])('rejects %j', (value, why) => {
    const parse = () => parseSocketSpec(value);
    expect(parse).toThrow(DevreloadError);
    expect(parse).toThrow(why);
    // One line naming the option and the value as typed.
    expect(parse).toThrow(new RegExp(`^--socket: .*got ${JSON.stringify(value).replace(/[[\]().*+?^$\\]/g, '\\$&')} \\(expected \\[host:\\]port, e\\.g\\. 3000 \\(loopback only\\), 0\\.0\\.0\\.0:3000 \\(every interface\\)`));
    expect(() => parse()).not.toThrow(/\n/);
  });

  it('names the option as the caller spells it', () => {
    expect(() => parseSocketSpec('x', 'socket')).toThrow(/^socket: /);
  });

  it('rejects a value that is not a string or number', () => {
    expect(() => parseSocketSpec(true)).toThrow(/^--socket: expected a port or host:port, got true/);
  });
});

describe('parseSocketSpecs', () => {
  it('keeps the order of repeated values', () => {
    expect(parseSocketSpecs(['3000', '127.0.0.1:3001', '[::1]:3001'])).toEqual([
      { port: 3000 },
      { host: '127.0.0.1', port: 3001 },
      { host: '::1', port: 3001 },
    ]);
  });

  it.each([
    [['3000', '3000'], /^--socket: port 3000 is given twice \(3000 and 3000\); give each address once$/],
    [['3000', 'localhost:3000'], /port 3000 is given twice \(3000 and localhost:3000\)/],
    [['3000', '127.0.0.1:3000'], /port 3000 is given twice \(3000 and 127\.0\.0\.1:3000\)/],
    [['[::1]:3000', '[0:0::1]:3000'], /port 3000 is given twice \(\[::1\]:3000 and \[0:0::1\]:3000\)/],
    // A wildcard takes the port on the addresses it covers.
    [['3000', '0.0.0.0:3000'], /port 3000 is given twice \(3000 and 0\.0\.0\.0:3000\)/],
    [['[::]:3000', '127.0.0.1:3000'], /port 3000 is given twice/],
    [['[::1]:3000', '[::]:3000'], /port 3000 is given twice/],
    [['0.0.0.0:3000', 'my-box.local:3000'], /port 3000 is given twice/],
  ])('rejects %j: one port twice on one address', (values, why) => {
    expect(() => parseSocketSpecs(values)).toThrow(why);
  });

  it.each([
    [['3000', '[::1]:3000']],
    [['0.0.0.0:3000', '[::1]:3000']],
    [['127.0.0.1:3000', '192.0.2.2:3000']],
  ])('accepts %j: one port on addresses that do not overlap', (values) => {
    expect(parseSocketSpecs(values)).toHaveLength(2);
  });
});

describe('boundHost', () => {
  it.each([
    [{ port: 3000 }, '127.0.0.1'],
    [{ host: 'LocalHost', port: 3000 }, '127.0.0.1'],
    [{ host: '0.0.0.0', port: 3000 }, '0.0.0.0'],
    [{ host: '0:0::0', port: 3000 }, '::'],
    [{ host: 'My-Box', port: 3000 }, 'my-box'],
  ])('%j binds %s: loopback unless a host is given', (spec, host) => {
    expect(boundHost(spec)).toBe(host);
  });
});

describe('formatSocketSpec', () => {
  it.each([
    [{ port: 3000 }, '3000'],
    [{ host: 'localhost', port: 3000 }, 'localhost:3000'],
    [{ host: '::1', port: 3000 }, '[::1]:3000'],
  ])('%j -> %s', (spec, text) => {
    expect(formatSocketSpec(spec)).toBe(text);
    expect(parseSocketSpec(text)).toEqual(spec);
  });
});
