import { StringDecoder } from 'node:string_decoder';

/**
 * Splits an app's output into lines for `--ready /regex/` and the proxy's build overlay, where
 * execa's own line splitting (its `lines` and `iterable()`) falls short for a supervisor: it holds
 * an unfinished line without bound (an app printing a progress bar with `\r` alone for minutes,
 * or megabytes without a line break: 300 MB of output took devreload to 384 MB), and it does not
 * end a line at a lone `\r`, which is how a progress bar redraws itself before `ready` follows.
 * Lines end at \n, \r\n or \r; a line longer than `maxLength` is cut and reported in pieces.
 */
export class LineSplitter {
  readonly #decoder = new StringDecoder('utf8');
  #partial = '';

  constructor(private readonly maxLength: number) {}

  /** The lines completed by `chunk` (a UTF-8 character split across chunks is reassembled). */
  push(chunk: Uint8Array): string[] {
    return this.#split(this.#decoder.write(Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength)));
  }

  /** The output ended: what is left is the last line (without a trailing \r). */
  end(): string[] {
    const lines = this.#split(this.#decoder.end());
    const last = this.#partial.replace(/\r$/, '');
    this.#partial = '';
    return last === '' ? lines : [...lines, last];
  }

  #split(text: string): string[] {
    // A \r that ends a chunk may be half of a \r\n: it waits in `partial` for the next one.
    const lines = (this.#partial + text).split(/\r\n|\n|\r(?!$)/);
    this.#partial = lines.pop() ?? '';
    while (this.#partial.length > this.maxLength) {
      lines.push(this.#partial.slice(0, this.maxLength));
      this.#partial = this.#partial.slice(this.maxLength);
    }
    return lines;
  }
}
