import http from 'node:http';
import type { Writable } from 'node:stream';
import zlib from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { waitUntil } from '../wait.js';
import { get, startApp, startTestProxy } from './helpers.js';

/** A promise settled from outside (by the app's handler, which runs once the request came). */
function deferred(): { promise: Promise<void>; resolve: () => void; reject: (error: unknown) => void } {
  let resolve = () => undefined as void;
  let reject: (error: unknown) => void = () => undefined;
  const promise = new Promise<void>((yes, no) => {
    resolve = yes;
    reject = no;
  });
  return { promise, resolve, reject };
}

/** A client reading a page through the proxy: what has arrived so far, and the whole answer once it ended. */
function reader(port: number, headers: http.OutgoingHttpHeaders): { text: () => string; bytes: () => number; done: Promise<http.IncomingMessage> } {
  const chunks: Buffer[] = [];
  let bytes = 0;
  const done = new Promise<http.IncomingMessage>((resolve, reject) => {
    const request = http.get({ host: '127.0.0.1', port, path: '/', headers, agent: false }, (response) => {
      response.on('data', (chunk: Buffer) => {
        chunks.push(chunk);
        bytes += chunk.length;
      });
      response.on('end', () => resolve(response));
      response.on('error', reject);
    });
    request.on('error', reject);
  });
  return { text: () => Buffer.concat(chunks).toString('utf8'), bytes: () => bytes, done };
}

/** Streams written the app's way for `encoding`, each write flushed at once (as a streaming renderer does). */
function encoder(encoding: string, response: http.ServerResponse): { write: (text: string) => Promise<void>; end: (text: string) => void } {
  const stream: Writable & { flush?: (callback: () => void) => void } =
    encoding === 'gzip' ? zlib.createGzip() : encoding === 'br' ? zlib.createBrotliCompress() : encoding === 'deflate' ? zlib.createDeflate() : response;
  if (stream !== response) (stream as zlib.Gzip).pipe(response);
  return {
    write: (text) =>
      new Promise((resolve) => {
        stream.write(text);
        if (stream.flush === undefined || stream === response) return resolve();
        stream.flush(() => resolve());
      }),
    end: (text) => stream.end(text),
  };
}

describe('a page streamed in chunks goes through as it is written', () => {
  it.each(['identity', 'gzip', 'deflate', 'br'])('%s: each chunk reaches the browser before the app writes the next; one tag, in the head', async (encoding) => {
    let client: ReturnType<typeof reader> | undefined;
    const rendered = deferred();
    const app = await startApp((_, response) => {
      response.writeHead(200, { 'content-type': 'text/html; charset=utf-8', ...(encoding === 'identity' ? {} : { 'content-encoding': encoding }) });
      const out = encoder(encoding, response);
      // The app writes the next chunk only once the previous one came out of the proxy: a proxy
      // that holds the page until its end never gets past the first.
      void (async () => {
        await out.write('<!doctype html><html><head><title>streamed</title></head><body>\n');
        for (let index = 1; index <= 3; index++) {
          await out.write(`<p>chunk ${index}</p>\n`);
          await waitUntil(() => client?.text().includes(`chunk ${index}`), { describe: () => `chunk ${index} through the proxy (the browser has ${JSON.stringify(client?.text())})`, timeout: 5000 });
        }
        out.end('</body></html>\n');
      })().then(rendered.resolve, rendered.reject);
    });
    const { port, supervisor } = await startTestProxy({ appPort: app.port });
    supervisor.send({ name: 'start', payload: { pid: 1 } });
    client = reader(port, { 'accept-encoding': 'gzip, deflate, br' });
    const [response] = await Promise.all([client.done, rendered.promise]);
    const text = client.text();
    expect(text.match(/<script/g)).toHaveLength(1);
    expect(text).toMatch(/<title>streamed<\/title><script src="\/__devreload\/client\.js\?v=[^"]+" async><\/script><\/head><body>\n<p>chunk 1<\/p>\n<p>chunk 2<\/p>\n<p>chunk 3<\/p>\n<\/body><\/html>\n$/);
    expect(response.headers['content-encoding']).toBeUndefined();
  });

  it('a large page is passed on while the app still writes it: never held whole; Content-Length is the app\'s plus the tag\'s', async () => {
    const megabyte = Buffer.alloc(1024 * 1024, 'x');
    const parts = 16;
    const length = '<!doctype html><p>'.length + parts * megabyte.length + '</p>\n'.length;
    let client: ReturnType<typeof reader> | undefined;
    const written = deferred();
    const app = await startApp((_, response) => {
      // No head and no body tag: the tag goes at the end.
      response.writeHead(200, { 'content-type': 'text/html', 'content-length': length });
      response.write('<!doctype html><p>');
      void (async () => {
        for (let index = 0; index < parts; index++) {
          // Half the page, then only as fast as the browser reads it.
          if (index >= parts / 2) await waitUntil(() => (client?.bytes() ?? 0) >= (index - 4) * megabyte.length, { describe: () => `the browser to have read ${index - 4} MiB (it has ${client?.bytes()} bytes)`, timeout: 10_000 });
          if (!response.write(megabyte)) await new Promise((resolve) => response.once('drain', resolve));
        }
        response.end('</p>\n');
      })().then(written.resolve, written.reject);
    });
    const { port, supervisor } = await startTestProxy({ appPort: app.port });
    supervisor.send({ name: 'start', payload: { pid: 1 } });
    client = reader(port, {});
    const [response] = await Promise.all([client.done, written.promise]);
    const text = client.text();
    expect(text.match(/<script/g)).toHaveLength(1);
    expect(text.endsWith('</p>\n<script src="/__devreload/client.js?v=' + text.split('client.js?v=')[1]?.split('"')[0] + '" async></script>')).toBe(true);
    expect(Number(response.headers['content-length'])).toBe(Buffer.byteLength(text));
  });
});

describe('Accept-Encoding as the app sees it', () => {
  it('leaves out what the proxy cannot decode (zstd, which Chrome offers): the app answers in one it can, and the page gets its tag', async () => {
    const seen: Array<string | undefined> = [];
    const app = await startApp((request, response) => {
      const accepted = request.headers['accept-encoding'];
      seen.push(accepted);
      // As a server that prefers zstd does (Node 23.8+ can make it): given the choice, it takes it.
      const encoding = accepted?.includes('zstd') ? 'zstd' : accepted?.includes('br') ? 'br' : 'identity';
      const body = Buffer.from('<html><head></head><body>hi</body></html>');
      response.writeHead(200, { 'content-type': 'text/html', 'content-encoding': encoding });
      response.end(encoding === 'br' ? zlib.brotliCompressSync(body) : body);
    });
    const { port, supervisor } = await startTestProxy({ appPort: app.port });
    supervisor.send({ name: 'start', payload: { pid: 1 } });
    const answer = await get(port, '/', { 'accept-encoding': 'gzip, deflate, br, zstd' });
    expect(seen).toEqual(['gzip, deflate, br']);
    expect(answer.body.toString()).toMatch(/<head><script src="\/__devreload\/client\.js\?v=[^"]+" async><\/script><\/head><body>hi/);
  });
});
