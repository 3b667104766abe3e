import { describe, expect, it } from 'vitest';
import { DevreloadError } from '../../src/errors.js';
import { parseReadyTarget } from '../../src/options/ready.js';

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
