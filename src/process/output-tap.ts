import { maxOutputLineLength } from '../tuning.js';
import { LineSplitter } from './line-splitter.js';
import type { SpawnedApp } from './spawn.js';

/**
 * Copies the app's `from` output on to `to` byte for byte, as it comes (partial lines, \r
 * progress bars, colours), never ending `to`: it is devreload's own stdout or stderr. Each line
 * goes to `onLine`, split by LineSplitter (at \n, \r\n or \r, at most maxOutputLineLength long).
 */
export function tapOutput(
  app: Pick<SpawnedApp, 'stdout' | 'stderr' | 'chunks'>,
  from: 'stdout' | 'stderr',
  to: NodeJS.WritableStream,
  onLine: (line: string) => void,
): void {
  const stream = app[from];
  if (stream === null) return;
  stream.pipe(to, { end: false });
  const splitter = new LineSplitter(maxOutputLineLength);
  // Read to the end, even once nobody needs the lines: an iterable left early destroys the
  // stream, and the copy with it. It ends once the app and its output have.
  void (async () => {
    for await (const chunk of app.chunks(from)) for (const line of splitter.push(chunk)) onLine(line);
    for (const line of splitter.end()) onLine(line);
  })().catch(() => {
    // A read error on the pipe: the copy above ends with it, and no line is left to report.
  });
}
