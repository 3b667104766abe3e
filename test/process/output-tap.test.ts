import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { PassThrough, Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { tapLines } from '../../src/process/output-tap.js';
import { maxOutputLineLength as MAX_LINE_LENGTH } from '../../src/tuning.js';

/** A destination that keeps every byte written to it, and whether anyone ended it. */
function sink(): { stream: Writable; bytes: () => Buffer; ended: () => boolean } {
  const chunks: Buffer[] = [];
  let ended = false;
  const stream = new Writable({
    write(chunk: Buffer, _encoding, done) {
      chunks.push(chunk);
      done();
    },
    final(done) {
      ended = true;
      done();
    },
  });
  return { stream, bytes: () => Buffer.concat(chunks), ended: () => ended };
}

/** Feeds `chunks` through a stream, one write each, and returns the lines tapped. */
async function tapChunks(chunks: (string | Buffer)[]): Promise<{ lines: string[]; copied: Buffer }> {
  const from = new PassThrough();
  const to = sink();
  const lines: string[] = [];
  tapLines(from, to.stream, (line) => lines.push(line));
  for (const chunk of chunks) {
    from.write(chunk);
    // One turn per chunk, so each arrives as its own 'data' event.
    await new Promise((resolve) => setImmediate(resolve));
  }
  from.end();
  await once(from, 'end');
  return { lines, copied: to.bytes() };
}

describe('tapLines on a real app pipe', () => {
  it('reports every line, split at \\n, \\r\\n and \\r, and copies every byte unchanged', async () => {
    // Written in three bursts so the pipe delivers them as separate chunks.
    const script = [
      "process.stdout.write('one\\ntwo\\r');",
      "setTimeout(() => process.stdout.write('\\nthr'), 20);",
      "setTimeout(() => process.stdout.write('ee ü\\rlast'), 40);",
    ].join(' ');
    const child = spawn(process.execPath, ['-e', script], { stdio: ['ignore', 'pipe', 'inherit'] });
    const to = sink();
    const lines: string[] = [];
    tapLines(child.stdout, to.stream, (line) => lines.push(line));
    await once(child, 'close');
    expect(lines).toEqual(['one', 'two', 'three ü', 'last']);
    expect(to.bytes().toString()).toBe('one\ntwo\r\nthree ü\rlast');
    // devreload's own stdout/stderr must outlive the app.
    expect(to.ended()).toBe(false);
  });
});

describe('tapLines chunk boundaries', () => {
  it('joins a \\r\\n split across chunks into one line break', async () => {
    const { lines } = await tapChunks(['a\r', '\nb\n']);
    expect(lines).toEqual(['a', 'b']);
  });

  it('treats a \\r at the very end of the output as a line break, not part of the line', async () => {
    expect((await tapChunks(['progress 50%\r'])).lines).toEqual(['progress 50%']);
  });

  it('reassembles a UTF-8 character split across chunks', async () => {
    const text = Buffer.from('größe ✓\n');
    const { lines, copied } = await tapChunks([text.subarray(0, 3), text.subarray(3, 9), text.subarray(9)]);
    expect(lines).toEqual(['größe ✓']);
    expect(copied).toEqual(text);
  });

  it('reports empty lines and a last line without a line break', async () => {
    expect((await tapChunks(['\n\nx\n', 'tail'])).lines).toEqual(['', '', 'x', 'tail']);
  });

  it('cuts a line longer than the limit instead of buffering it forever', async () => {
    const long = 'x'.repeat(MAX_LINE_LENGTH + 1);
    const { lines } = await tapChunks([long, 'y'.repeat(10), '\n']);
    expect(lines).toEqual([long, 'y'.repeat(10)]);
  });

  it('does nothing for an output that is not piped', () => {
    const to = sink();
    expect(() => tapLines(null, to.stream, () => expect.unreachable())).not.toThrow();
    expect(to.bytes().length).toBe(0);
  });
});
