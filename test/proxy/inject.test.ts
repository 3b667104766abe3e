import { describe, expect, it } from 'vitest';
import { cspNonce, insertTag, scriptTag, wantsInjection } from '../../src/proxy/inject.js';

describe('wantsInjection', () => {
  it.each([
    ['GET', 200, { 'content-type': 'text/html; charset=utf-8' }, true],
    ['GET', 404, { 'content-type': 'TEXT/HTML' }, true],
    ['GET', 200, { 'content-type': 'text/html', 'content-encoding': 'br' }, true],
    ['GET', 200, { 'content-type': 'text/html', 'content-encoding': 'gzip' }, true],
    ['GET', 200, { 'content-type': 'text/html', 'content-encoding': 'deflate' }, true],
    // An encoding devreload cannot decode: passed through as it is.
    ['GET', 200, { 'content-type': 'text/html', 'content-encoding': 'zstd' }, false],
    ['HEAD', 200, { 'content-type': 'text/html' }, false],
    ['GET', 204, { 'content-type': 'text/html' }, false],
    ['GET', 206, { 'content-type': 'text/html' }, false],
    ['GET', 304, { 'content-type': 'text/html' }, false],
    ['GET', 200, { 'content-type': 'application/json' }, false],
    ['GET', 200, { 'content-type': 'text/plain' }, false],
    ['GET', 200, {}, false],
  ] as const)('%s %i %j → %s', (method, status, headers, expected) => {
    expect(wantsInjection(method, status, headers)).toBe(expected);
  });
});

describe('insertTag', () => {
  const tag = '<script src="/x"></script>';
  it('goes before the last </body>, whatever its case', () => {
    expect(insertTag(Buffer.from('<body><p>"</body>" in text</p></BODY></html>'), tag).toString()).toBe(`<body><p>"</body>" in text</p>${tag}</BODY></html>`);
  });
  it('goes before </html> without a body, or at the end of a fragment', () => {
    expect(insertTag(Buffer.from('<p>x</p></html>'), tag).toString()).toBe(`<p>x</p>${tag}</html>`);
    expect(insertTag(Buffer.from('<p>x</p>'), tag).toString()).toBe(`<p>x</p>${tag}`);
  });
  it('keeps multi-byte characters and other charsets intact', () => {
    const latin1 = Buffer.from('<p>caf\xe9</p></body>', 'latin1');
    expect(insertTag(latin1, tag).equals(Buffer.concat([Buffer.from('<p>caf\xe9</p>', 'latin1'), Buffer.from(tag), Buffer.from('</body>')]))).toBe(true);
    expect(insertTag(Buffer.from('<p>日本</p></body>'), tag).toString('utf8')).toBe(`<p>日本</p>${tag}</body>`);
  });
});

describe('the script tag under a Content-Security-Policy', () => {
  it('is an external script of the page\'s own origin (script-src \'self\')', () => {
    expect(scriptTag('abc.1', undefined)).toBe('<script src="/__devreload/client.js?v=abc.1"></script>');
  });
  it('carries the nonce of a nonce-based policy, from script-src or else default-src', () => {
    expect(cspNonce({ 'content-security-policy': "script-src 'self' 'nonce-r4nd0m=='" })).toBe('r4nd0m==');
    expect(cspNonce({ 'content-security-policy': "default-src 'nonce-d3f'" })).toBe('d3f');
    expect(cspNonce({ 'content-security-policy': "script-src 'self'" })).toBeUndefined();
    expect(cspNonce({})).toBeUndefined();
    expect(scriptTag('v', 'a"b<c')).toBe('<script src="/__devreload/client.js?v=v" nonce="abc"></script>');
  });
});
