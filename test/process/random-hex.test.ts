import { describe, expect, it } from 'vitest';
import { randomHex } from '../../src/process/random-hex.js';

describe('randomHex', () => {
  it('gives the asked number of random bytes as hex, different every time', () => {
    const values = new Set(Array.from({ length: 50 }, () => randomHex(16)));
    expect(values.size).toBe(50);
    for (const value of values) expect(value).toMatch(/^[0-9a-f]{32}$/);
    expect(randomHex(8)).toMatch(/^[0-9a-f]{16}$/);
  });

  it('falls back to node:crypto where the random device cannot be read', () => {
    const values = new Set(Array.from({ length: 20 }, () => randomHex(16, '/nonexistent/urandom')));
    expect(values.size).toBe(20);
    for (const value of values) expect(value).toMatch(/^[0-9a-f]{32}$/);
  });

  it('falls back when the source gives fewer bytes than asked (an empty file)', () => {
    expect(randomHex(16, '/dev/null')).toMatch(/^[0-9a-f]{32}$/);
  });
});
