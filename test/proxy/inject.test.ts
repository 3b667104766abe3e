import { describe, expect, it } from 'vitest';
import { acceptedEncodings } from '../../src/proxy/decode.js';
import { cspNonce, injectedHeaders, scriptTag, wantsInjection } from '../../src/proxy/inject.js';
import { findPlace, TagInserter } from '../../src/proxy/inject-stream.js';
import { proxyInjectLookaheadBytes } from '../../src/tuning.js';

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

describe('findPlace: where the tag goes in the start of a page', () => {
  it.each([
    ['<html><head><title>t</title></head><body>', { kind: 'at', offset: 28 }],
    ['<HTML><HEAD></HEAD ><BODY>', { kind: 'at', offset: 12 }],
    // A page without a head: right after the body tag, quoted `>` and all.
    ['<!doctype html><body class="a>b" id=x><p>', { kind: 'at', offset: 38 }],
    ['<body>', { kind: 'at', offset: 6 }],
    // `</header>` is not `</head>`.
    ['<header></header><p>', { kind: 'keep', offset: 20 }],
    // What may be the start of a mark is kept for the next chunk; nothing else is.
    ['<p>x</p></he', { kind: 'keep', offset: 8 }],
    ['<p>x</p><BO', { kind: 'keep', offset: 8 }],
    ['<p>x</p>', { kind: 'keep', offset: 8 }],
    ['<p>x</p><', { kind: 'keep', offset: 8 }],
    ['<body class="still', { kind: 'keep', offset: 0 }],
  ] as const)('%j → %j', (text, place) => {
    expect(findPlace(text)).toEqual(place);
  });
});

/** `page` through a TagInserter in chunks cut at `cuts`; what comes out, and after which chunk each byte came. */
async function throughInserter(page: Buffer, cuts: number[]): Promise<Buffer> {
  const inserter = new TagInserter(Buffer.from(tag));
  const out: Buffer[] = [];
  inserter.on('data', (chunk: Buffer) => out.push(chunk));
  const done = new Promise((resolve) => inserter.on('end', resolve));
  let from = 0;
  for (const cut of [...cuts, page.length]) {
    inserter.write(page.subarray(from, cut));
    from = cut;
  }
  inserter.end();
  await done;
  return Buffer.concat(out);
}

const tag = '<script src="/x" async></script>';

describe('TagInserter: one tag, wherever the chunks are cut', () => {
  const page = Buffer.from('<!doctype html><html><head><meta charset="utf-8"><title>café 日本</title></head><body><p>"</head>" in text</p></body></html>');
  const expected = page.toString().replace('</head><body>', `${tag}</head><body>`);

  it('before the first </head>, for every cut into two and three chunks', async () => {
    for (let a = 0; a <= page.length; a++) {
      expect((await throughInserter(page, [a])).toString(), `cut at ${a}`).toBe(expected);
      for (let b = a; b <= page.length; b += 7) expect((await throughInserter(page, [a, b])).toString(), `cuts at ${a}, ${b}`).toBe(expected);
    }
  });

  it('keeps other charsets intact (searched as bytes)', async () => {
    const latin1 = Buffer.from('<head><title>caf\xe9</title></head>', 'latin1');
    expect((await throughInserter(latin1, [20])).equals(Buffer.concat([Buffer.from('<head><title>caf\xe9</title>', 'latin1'), Buffer.from(tag), Buffer.from('</head>')]))).toBe(true);
  });

  it('at the end of a fragment, and of a page whose start has neither mark', async () => {
    expect((await throughInserter(Buffer.from('<p>x</p>'), [])).toString()).toBe(`<p>x</p>${tag}`);
    const long = Buffer.concat([Buffer.from('<p>'), Buffer.alloc(proxyInjectLookaheadBytes, 'a'), Buffer.from('</p></head><body>')]);
    // `</head>` arrives once the first 64 KiB went on without one.
    const out = await throughInserter(long, [1000, 3 + proxyInjectLookaheadBytes]);
    expect(out.toString() === `${long.toString()}${tag}`).toBe(true);
  });

  it('passes each chunk on as it comes, holding back only a possible mark', async () => {
    const inserter = new TagInserter(Buffer.from(tag));
    const out: string[] = [];
    inserter.on('data', (chunk: Buffer) => out.push(chunk.toString()));
    const flushed = () => new Promise((resolve) => setImmediate(resolve));
    inserter.write('<!doctype html><html><head><title>');
    await flushed();
    expect(out.join('')).toBe('<!doctype html><html><head><title>');
    inserter.write('t</title></he');
    await flushed();
    expect(out.join('')).toBe('<!doctype html><html><head><title>t</title>');
    inserter.write('ad><body>');
    await flushed();
    expect(out.join('')).toBe(`<!doctype html><html><head><title>t</title>${tag}</head><body>`);
    inserter.write('<p>');
    await flushed();
    expect(out.at(-1)).toBe('<p>');
  });
});

describe('injectedHeaders', () => {
  it('adds the tag to an identity page\'s length; a decoded page goes chunked; no validators', () => {
    expect(injectedHeaders({ 'content-type': 'text/html', 'content-length': '100', etag: '"1"', 'last-modified': 'x' }, 30)).toEqual({ 'content-type': 'text/html', 'content-length': 130, 'cache-control': 'no-store' });
    expect(injectedHeaders({ 'content-type': 'text/html', 'content-encoding': 'gzip', 'content-length': '100' }, 30)).toEqual({ 'content-type': 'text/html', 'cache-control': 'no-store' });
    expect(injectedHeaders({ 'content-type': 'text/html' }, 30)).toEqual({ 'content-type': 'text/html', 'cache-control': 'no-store' });
  });
});

describe('acceptedEncodings: the app is offered only what the proxy decodes', () => {
  it.each([
    // Chrome's.
    ['gzip, deflate, br, zstd', 'gzip, deflate, br'],
    ['zstd;q=1.0, br;q=0.9, gzip;q=0.5', 'br;q=0.9, gzip;q=0.5'],
    ['*', 'identity'],
    ['zstd', 'identity'],
    ['identity', 'identity'],
    ['GZIP', 'GZIP'],
    [undefined, undefined],
  ])('%j → %j', (value, expected) => {
    expect(acceptedEncodings(value)).toBe(expected);
  });
});

describe('the script tag under a Content-Security-Policy', () => {
  it('is an external script of the page\'s own origin (script-src \'self\')', () => {
    expect(scriptTag('abc.1', undefined)).toBe('<script src="/__devreload/client.js?v=abc.1" async></script>');
  });
  it('carries the nonce of a nonce-based policy, from script-src or else default-src', () => {
    expect(cspNonce({ 'content-security-policy': "script-src 'self' 'nonce-r4nd0m=='" })).toBe('r4nd0m==');
    expect(cspNonce({ 'content-security-policy': "default-src 'nonce-d3f'" })).toBe('d3f');
    expect(cspNonce({ 'content-security-policy': "script-src 'self'" })).toBeUndefined();
    expect(cspNonce({})).toBeUndefined();
    expect(scriptTag('v', 'a"b<c')).toBe('<script src="/__devreload/client.js?v=v" async nonce="abc"></script>');
  });
});
