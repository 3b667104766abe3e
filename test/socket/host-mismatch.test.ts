import { createRequire } from 'node:module';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type HostMismatch from '../../src/socket/host-mismatch.cjs';
import { repoRoot } from './helpers.js';

// The built file, as the preload loads it (vite does not transform .cts; global-setup builds).
const { canonicalHost, mismatchNotice } = createRequire(import.meta.url)(join(repoRoot, 'dist/socket/host-mismatch.cjs')) as typeof HostMismatch;

const socket = (address: string, spec: string, option = '--socket') => ({ address, port: 3000, option, spec });
const loopback = socket('127.0.0.1', '3000');
const everywhere = socket('0.0.0.0', '0.0.0.0:3000');

describe('mismatchNotice', () => {
  it.each([
    ['0.0.0.0', loopback, 'app listens on 0.0.0.0:3000 but --socket 3000 is bound to 127.0.0.1 (loopback only); use --socket 0.0.0.0:3000 to expose it'],
    ['::', loopback, 'app listens on [::]:3000 but --socket 3000 is bound to 127.0.0.1 (loopback only); use --socket [::]:3000 to expose it'],
    ['127.0.0.1', everywhere, 'app listens on 127.0.0.1:3000 but --socket 0.0.0.0:3000 is bound to 0.0.0.0 (every interface); use --socket 3000 to keep it local'],
    ['localhost', everywhere, 'app listens on localhost:3000 but --socket 0.0.0.0:3000 is bound to 0.0.0.0 (every interface); use --socket 3000 to keep it local'],
    ['::1', socket('::', '[::]:3000'), 'app listens on [::1]:3000 but --socket [::]:3000 is bound to :: (every interface); use --socket [::1]:3000 to keep it local'],
    ['::1', loopback, 'app listens on [::1]:3000 but --socket 3000 is bound to 127.0.0.1 (loopback only); use --socket [::1]:3000 to match'],
    ['192.0.2.2', loopback, 'app listens on 192.0.2.2:3000 but --socket 3000 is bound to 127.0.0.1 (loopback only); use --socket 192.0.2.2:3000 to match'],
    ['127.0.0.1', socket('192.0.2.2', '192.0.2.2:3000'), 'app listens on 127.0.0.1:3000 but --socket 192.0.2.2:3000 is bound to 192.0.2.2; use --socket 3000 to keep it local'],
    ['0.0.0.0', socket('127.0.0.1', '3000', 'socket'), 'app listens on 0.0.0.0:3000 but socket 3000 is bound to 127.0.0.1 (loopback only); use socket 0.0.0.0:3000 to expose it'],
  ])('listen(3000, %j) on %j: %s', (requested, bound, notice) => {
    expect(mismatchNotice(requested, bound)).toBe(notice);
  });

  it.each([
    ['127.0.0.1', loopback],
    ['localhost', loopback],
    ['LOCALHOST', loopback],
    ['::ffff:127.0.0.1', loopback],
    ['localhost', socket('::1', '[::1]:3000')],
    ['0.0.0.0', everywhere],
    // Both "every interface" to the app that names either.
    ['::', everywhere],
    ['0:0::0', socket('::', '[::]:3000')],
    ['192.0.2.2', socket('192.0.2.2', '192.0.2.2:3000')],
  ])('listen(3000, %j) on %j: nothing to say', (requested, bound) => {
    expect(mismatchNotice(requested, bound)).toBeUndefined();
  });

  it('compares a host name by the addresses it resolves to', () => {
    expect(mismatchNotice('my-box', loopback, ['127.0.0.1'])).toBeUndefined();
    expect(mismatchNotice('my-box', loopback, ['::1', '127.0.0.1'])).toBeUndefined();
    // Debian maps the machine's name to 127.0.1.1: a client asking for it would not reach 127.0.0.1.
    expect(mismatchNotice('my-box', loopback, ['127.0.1.1'])).toBe('app listens on my-box:3000 but --socket 3000 is bound to 127.0.0.1 (loopback only); use --socket my-box:3000 to match');
  });
});

describe('canonicalHost', () => {
  it.each([
    ['0:0:0:0:0:0:0:1', '::1'],
    ['::FFFF:127.0.0.1', '127.0.0.1'],
    ['FE80:0::1', 'fe80::1'],
    [' LocalHost ', 'localhost'],
    ['10.0.0.1', '10.0.0.1'],
  ])('%j -> %j', (host, canonical) => {
    expect(canonicalHost(host)).toBe(canonical);
  });
});
