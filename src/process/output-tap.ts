import type { Readable } from 'node:stream';
import { StringDecoder } from 'node:string_decoder';
import { maxOutputLineLength } from '../tuning.js';

const MAX_LINE_LENGTH = maxOutputLineLength;

/**
 * Copies `from` to `to` byte for byte (never ending `to`: it is devreload's own stdout or
 * stderr) and reports each line, split at \n, \r\n or \r, without its line break.
 * Lines are decoded as UTF-8; a character split across chunks is reassembled.
 */
export function tapLines(from: Readable | null, to: NodeJS.WritableStream, onLine: (line: string) => void): void {
  if (from === null) return;
  from.pipe(to, { end: false });
  const decoder = new StringDecoder('utf8');
  let partial = '';
  const emit = (text: string): void => {
    // A \r that ends a chunk may be half of a \r\n: it waits in `partial` for the next one.
    const lines = (partial + text).split(/\r\n|\n|\r(?!$)/);
    partial = lines.pop() ?? '';
    if (partial.length > MAX_LINE_LENGTH) {
      lines.push(partial);
      partial = '';
    }
    for (const line of lines) onLine(line);
  };
  from.on('data', (chunk: Buffer) => emit(decoder.write(chunk)));
  from.once('end', () => {
    emit(decoder.end());
    if (partial !== '') onLine(partial.replace(/\r$/, ''));
    partial = '';
  });
}
