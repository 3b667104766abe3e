import type { SpawnedApp } from './spawn.js';

/**
 * Copies the app's `from` output on to `to` byte for byte, as it comes (partial lines, \r
 * progress bars, colours), never ending `to`: it is devreload's own stdout or stderr. Each line
 * goes to `onLine` as execa splits it: at \n or \r\n, decoded as UTF-8, without the line break;
 * a last line without one when the output ends.
 */
export function tapOutput(
  app: Pick<SpawnedApp, 'stdout' | 'stderr' | 'lines'>,
  from: 'stdout' | 'stderr',
  to: NodeJS.WritableStream,
  onLine: (line: string) => void,
): void {
  const stream = app[from];
  if (stream === null) return;
  stream.pipe(to, { end: false });
  // Read to the end, even once nobody needs the lines: an iterable left early destroys the
  // stream, and the copy with it. It ends once the app and its output have.
  void (async () => {
    for await (const line of app.lines(from)) onLine(line);
  })().catch(() => {
    // A read error on the pipe: the copy above ends with it, and no line is left to report.
  });
}
