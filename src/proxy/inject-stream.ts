import { Transform, type TransformCallback } from 'node:stream';
import { proxyInjectLookaheadBytes } from '../tuning.js';

/** Where the tag goes in the bytes looked at so far (as latin1 text: one character per byte). */
export type Place =
  /** Insert the tag before this offset. */
  | { readonly kind: 'at'; readonly offset: number }
  /** Nothing yet: pass the bytes before `offset` on, keep the rest (a possible start of the mark). */
  | { readonly kind: 'keep'; readonly offset: number };

// `</head` or `<body` as whole names (`</header>` is not `</head>`); HTML's whitespace only.
const mark = /<\/head[\t\n\f\r />]|<body[\t\n\f\r />]/i;
const prefixes = ['</head', '<body'];

/**
 * The place for the tag in the start of a page: before `</head>`, else right after the `<body …>`
 * tag (a page without a head). A `<body` whose `>` has not come yet, or a trailing `<` that may
 * begin either mark, is kept for the next chunk.
 */
export function findPlace(text: string): Place {
  const found = mark.exec(text);
  if (found !== null) {
    if (found[0].startsWith('</')) return { kind: 'at', offset: found.index };
    const end = tagEnd(text, found.index + '<body'.length);
    return end === -1 ? { kind: 'keep', offset: found.index } : { kind: 'at', offset: end + 1 };
  }
  const last = text.lastIndexOf('<');
  const tail = last === -1 ? '' : text.slice(last).toLowerCase();
  const partial = tail !== '' && prefixes.some((prefix) => prefix.startsWith(tail));
  return { kind: 'keep', offset: partial ? last : text.length };
}

/** The `>` that ends a tag whose attributes start at `from`, skipping quoted values; -1 if not there yet. */
function tagEnd(text: string, from: number): number {
  let quote = '';
  for (let index = from; index < text.length; index++) {
    const char = text[index];
    if (quote !== '') {
      if (char === quote) quote = '';
    } else if (char === '"' || char === "'") quote = char;
    else if (char === '>') return index;
  }
  return -1;
}

/**
 * Passes a page through as it streams, with `tag` added exactly once: where findPlace says if
 * that is within the first proxyInjectLookaheadBytes, else at the very end. Holds back only the
 * few bytes that may be an unfinished mark, so a page streamed in chunks reaches the browser
 * chunk by chunk, and a page of any size costs a chunk of memory, not its length.
 */
export class TagInserter extends Transform {
  #kept: Buffer = Buffer.alloc(0);
  #seen = 0;
  #placed = false;

  constructor(private readonly tag: Buffer) {
    super();
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    if (this.#placed || this.#seen >= proxyInjectLookaheadBytes) return callback(null, chunk);
    const bytes = this.#kept.length === 0 ? chunk : Buffer.concat([this.#kept, chunk]);
    const place = findPlace(bytes.toString('latin1'));
    if (place.kind === 'at') {
      this.#placed = true;
      this.#kept = Buffer.alloc(0);
      return callback(null, Buffer.concat([bytes.subarray(0, place.offset), this.tag, bytes.subarray(place.offset)]));
    }
    this.#seen += place.offset;
    this.#kept = bytes.subarray(place.offset);
    // Past the lookahead (or a `<body` tag that never ends): the tag goes at the end.
    if (this.#seen + this.#kept.length >= proxyInjectLookaheadBytes) {
      this.#seen = proxyInjectLookaheadBytes;
      this.#kept = Buffer.alloc(0);
      return callback(null, bytes);
    }
    callback(null, place.offset === 0 ? undefined : bytes.subarray(0, place.offset));
  }

  override _flush(callback: TransformCallback): void {
    if (this.#placed) return callback();
    this.#placed = true;
    callback(null, Buffer.concat([this.#kept, this.tag]));
  }
}
