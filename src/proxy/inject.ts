import type { IncomingHttpHeaders, OutgoingHttpHeaders } from 'node:http';
import { canDecode, contentEncoding } from './decode.js';

/** Where the live-reload client is served; `v` is the version of the app that rendered the page. */
export const clientPath = '/__devreload/client.js';

/**
 * Whether a response gets the client script: a whole `text/html` body (not a HEAD, a 204/304
 * without one, or a 206 range of one) in an encoding devreload can decode.
 */
export function wantsInjection(method: string | undefined, status: number, headers: IncomingHttpHeaders): boolean {
  if (method === 'HEAD' || status < 200 || status === 204 || status === 206 || status === 304) return false;
  const mime = (headers['content-type'] ?? '').split(';')[0]?.trim().toLowerCase();
  if (mime !== 'text/html') return false;
  return canDecode(contentEncoding(headers));
}

/**
 * The one tag added to a page: an external script from the proxy's own origin, so a
 * `script-src 'self'` policy allows it; with a nonce-based policy it carries the page's nonce.
 * `async`: placed in the head, it must not hold the page's parsing up.
 */
export function scriptTag(version: string, nonce: string | undefined): string {
  const attribute = nonce === undefined ? '' : ` nonce="${nonce.replace(/[^A-Za-z0-9+/=_-]/g, '')}"`;
  return `<script src="${clientPath}?v=${encodeURIComponent(version)}" async${attribute}></script>`;
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
 * The headers of a page with `tagBytes` more in it, sent as it streams. A compressed page is
 * sent decoded, without a length (chunked: the decoded length is known only at its end); an
 * identity page keeps its Content-Length plus the tag's (TagInserter adds it exactly once). No
 * validators: a 304 for a page would bring back a copy that names an older version of the app,
 * and the client would reload it again.
 */
export function injectedHeaders(headers: OutgoingHttpHeaders, tagBytes: number): OutgoingHttpHeaders {
  const out: OutgoingHttpHeaders = { ...headers };
  const length = out['content-length'];
  const identity = contentEncoding(headers as IncomingHttpHeaders) === undefined;
  for (const name of ['content-encoding', 'content-length', 'etag', 'last-modified', 'content-md5']) delete out[name];
  if (identity && length !== undefined) out['content-length'] = Number(length) + tagBytes;
  out['cache-control'] = 'no-store';
  return out;
}
