import type { IncomingHttpHeaders } from 'node:http';
import { Transform, type TransformCallback } from 'node:stream';
import zlib from 'node:zlib';

/**
 * The content codings the proxy can decode to inject its tag, each as a stream (a page is
 * decoded as it arrives, never whole). zstd is not among them: Node 20 cannot decode it.
 */
const decoders: Record<string, () => Transform> = {
  gzip: () => zlib.createGunzip(),
  'x-gzip': () => zlib.createGunzip(),
  br: () => zlib.createBrotliDecompress(),
  deflate: () => new Inflate(),
};

/** The response's content coding, lower-cased; undefined for none (or identity). */
export function contentEncoding(headers: IncomingHttpHeaders): string | undefined {
  const value = headers['content-encoding']?.trim().toLowerCase();
  return value === undefined || value === '' || value === 'identity' ? undefined : value;
}

export function canDecode(encoding: string | undefined): boolean {
  return encoding === undefined || Object.hasOwn(decoders, encoding);
}

/** A stream that decodes `encoding`; undefined for an identity body. */
export function decoder(encoding: string | undefined): Transform | undefined {
  return encoding === undefined ? undefined : decoders[encoding]?.();
}

/**
 * The request's `Accept-Encoding` as forwarded to the app: only the codings the proxy decodes
 * (and identity), so the app never picks one (zstd, which Chrome offers and Node 23.8+ servers
 * may use) that would leave a page without live reload. Applied to every request: whether an
 * answer is HTML is known only once it comes (a fetch() of a fragment, a 404 page). `*` would
 * let the app pick anything, so it goes too; a list left empty becomes `identity`.
 */
export function acceptedEncodings(value: string | string[] | undefined): string | undefined {
  if (value === undefined) return undefined;
  const kept = [value].flat().join(',').split(',').map((part) => part.trim()).filter((part) => {
    const coding = part.split(';')[0]?.trim().toLowerCase() ?? '';
    return coding === 'identity' || Object.hasOwn(decoders, coding);
  });
  return kept.length === 0 ? 'identity' : kept.join(', ');
}

/**
 * `deflate` as RFC 9110 means it is zlib-wrapped; some servers send it raw, which browsers also
 * accept. The first two bytes tell which (a zlib header's CMF/FLG pair is a multiple of 31).
 */
class Inflate extends Transform {
  #inner: zlib.Inflate | zlib.InflateRaw | null = null;
  #start = Buffer.alloc(0);

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    if (this.#inner !== null) return void this.#inner.write(chunk, (error) => callback(error));
    this.#start = Buffer.concat([this.#start, chunk]);
    if (this.#start.length < 2) return callback();
    this.#begin().write(this.#start, (error) => callback(error));
  }

  override _flush(callback: TransformCallback): void {
    let inner = this.#inner;
    if (inner === null) {
      // A body shorter than two bytes: no header to tell by, and not a valid one either way.
      if (this.#start.length === 0) return callback();
      inner = this.#begin();
      inner.write(this.#start);
    }
    inner.once('end', () => callback());
    inner.end();
  }

  override _destroy(error: Error | null, callback: (error?: Error | null) => void): void {
    this.#inner?.destroy();
    callback(error);
  }

  #begin(): zlib.Inflate | zlib.InflateRaw {
    const [cmf = 0, flg = 0] = this.#start;
    const wrapped = (cmf & 0x0f) === 8 && ((cmf << 8) | flg) % 31 === 0;
    const inner = wrapped ? zlib.createInflate() : zlib.createInflateRaw();
    inner.on('data', (data: Buffer) => this.push(data));
    inner.on('error', (error) => this.destroy(error));
    this.#inner = inner;
    return inner;
  }
}
