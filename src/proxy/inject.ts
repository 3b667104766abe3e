import type { IncomingHttpHeaders, OutgoingHttpHeaders } from 'node:http';
import { promisify } from 'node:util';
import zlib from 'node:zlib';

/** Where the live-reload client is served; `v` is the version of the app that rendered the page. */
export const clientPath = '/__devreload/client.js';

const decoders: Record<string, (body: Buffer) => Promise<Buffer>> = {
  gzip: promisify(zlib.gunzip),
  'x-gzip': promisify(zlib.gunzip),
  br: promisify(zlib.brotliDecompress),
  // RFC 9110's deflate is zlib-wrapped; some servers send it raw, as browsers also accept.
  deflate: (body) => promisify(zlib.inflate)(body).catch(() => promisify(zlib.inflateRaw)(body)),
};

/**
 * Whether a response gets the client script: a whole `text/html` body (not a HEAD, a 204/304
 * without one, or a 206 range of one) in an encoding devreload can decode.
 */
export function wantsInjection(method: string | undefined, status: number, headers: IncomingHttpHeaders): boolean {
  if (method === 'HEAD' || status < 200 || status === 204 || status === 206 || status === 304) return false;
  const mime = (headers['content-type'] ?? '').split(';')[0]?.trim().toLowerCase();
  if (mime !== 'text/html') return false;
  const encoding = contentEncoding(headers);
  return encoding === undefined || encoding in decoders;
}

function contentEncoding(headers: IncomingHttpHeaders): string | undefined {
  const value = headers['content-encoding']?.trim().toLowerCase();
  return value === undefined || value === '' || value === 'identity' ? undefined : value;
}

/**
 * The one tag added to a page: an external script from the proxy's own origin, so a
 * `script-src 'self'` policy allows it; with a nonce-based policy it carries the page's nonce.
 */
export function scriptTag(version: string, nonce: string | undefined): string {
  const attribute = nonce === undefined ? '' : ` nonce="${nonce.replace(/[^A-Za-z0-9+/=_-]/g, '')}"`;
  return `<script src="${clientPath}?v=${encodeURIComponent(version)}"${attribute}></script>`;
}

/** The nonce a `script-src` (or `default-src`) directive allows, if any. */
export function cspNonce(headers: IncomingHttpHeaders): string | undefined {
  const policy = [headers['content-security-policy']].flat().join(';');
  const directives = policy.split(/[;,]/).map((d) => d.trim().split(/\s+/));
  const scripts = directives.find(([name]) => name?.toLowerCase() === 'script-src') ?? directives.find(([name]) => name?.toLowerCase() === 'default-src');
  const nonce = scripts?.find((source) => /^'nonce-.+'$/i.test(source));
  return nonce?.slice("'nonce-".length, -1);
}

/**
 * Puts `tag` before the last `</body>` (else `</html>`, else at the end). The page's bytes are
 * searched as latin1, where every byte is one character: offsets stay byte offsets whatever the
 * page's own charset (UTF-8 and the other ASCII-compatible ones).
 */
export function insertTag(html: Buffer, tag: string): Buffer {
  const text = html.toString('latin1').toLowerCase();
  let at = text.lastIndexOf('</body');
  if (at === -1) at = text.lastIndexOf('</html');
  if (at === -1) at = html.length;
  return Buffer.concat([html.subarray(0, at), Buffer.from(tag, 'utf8'), html.subarray(at)]);
}

/**
 * The body with the tag in it, sent uncompressed, and the headers that describe it: no
 * Content-Encoding, the new Content-Length, and no validators (a 304 for a page would bring
 * back a copy that names an older version of the app, and the client would reload it again).
 */
export async function injectedResponse(body: Buffer, headers: IncomingHttpHeaders, tag: string): Promise<{ body: Buffer; headers: OutgoingHttpHeaders }> {
  const encoding = contentEncoding(headers);
  const decode = encoding === undefined ? undefined : decoders[encoding];
  const html = decode === undefined ? body : await decode(body);
  const injected = insertTag(html, tag);
  const out: OutgoingHttpHeaders = { ...headers };
  for (const name of ['content-encoding', 'content-length', 'transfer-encoding', 'etag', 'last-modified', 'content-md5']) delete out[name];
  out['content-length'] = injected.length;
  out['cache-control'] = 'no-store';
  return { body: injected, headers: out };
}
