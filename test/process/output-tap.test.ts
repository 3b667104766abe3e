import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { tapOutput } from '../../src/process/output-tap.js';
import { maxOutputLineLength } from '../../src/tuning.js';
import { spawnApp, type SpawnedApp } from '../../src/process/spawn.js';
import { killAll, waitFor, withTimeout } from './helpers.js';

// Real apps writing to real pipes: what reaches devreload's own output, and the lines `--ready
// /regex/` is matched against.

let dir = '';
const apps: SpawnedApp[] = [];

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'devreload-output-tap-'));
});

afterEach(async () => {
  killAll(apps.splice(0).map((app) => -app.pid));
  await rm(dir, { recursive: true, force: true });
});

/** A destination that keeps every byte written to it, and whether anyone ended it. */
function sink(): { stream: Writable; text: () => string; bytes: () => Buffer; ended: () => boolean } {
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
  const bytes = () => Buffer.concat(chunks);
  return { stream, bytes, text: () => bytes().toString(), ended: () => ended };
}

/** Runs `node -e script` with its stdout tapped into a sink. */
async function tapped(script: string, from: 'stdout' | 'stderr' = 'stdout') {
  const app = await spawnApp({ command: process.execPath, args: ['-e', script], cwd: dir, env: { ...process.env }, pipeOutput: true, tag: 'test.1' });
  apps.push(app);
  const to = sink();
  const lines: string[] = [];
  tapOutput(app, from, to.stream, (line) => lines.push(line));
  return { app, to, lines };
}

describe('tapOutput', () => {
  it('copies every byte unchanged, and reports each line split at \\n, \\r\\n and \\r', async () => {
    // Three bursts, so the pipe delivers them as separate chunks.
    const script = [
      "process.stdout.write('one\\ntwo\\r\\nthr');",
      "setTimeout(() => process.stdout.write('ee ü\\n\\x1b[32mgreen\\x1b[39m\\n'), 20);",
      "setTimeout(() => process.stdout.write('50%\\r100%\\rlast'), 40);",
    ].join(' ');
    const { app, to, lines } = await tapped(script);
    expect(await withTimeout(app.exited, 'exited')).toEqual({ code: 0, signal: null });
    await waitFor(dir, 'the last line', async () => (lines.at(-1)?.endsWith('last') === true ? true : undefined));
    expect(to.text()).toBe('one\ntwo\r\nthree ü\n\x1b[32mgreen\x1b[39m\n50%\r100%\rlast');
    // A \r alone (a progress bar redrawing itself) ends a line too, as the output's end does.
    expect(lines).toEqual(['one', 'two', 'three ü', '\x1b[32mgreen\x1b[39m', '50%', '100%', 'last']);
    // devreload's own stdout/stderr must outlive the app.
    expect(to.ended()).toBe(false);
  });

  it('copies a partial line (a prompt) at once, before its line break comes', async () => {
    const script = "process.stdout.write('Password: '); process.stdin.once('data', () => process.stdout.write('ok\\n'));";
    const { app, to, lines } = await tapped(script);
    await waitFor(dir, 'the prompt', async () => (to.text() === 'Password: ' ? true : undefined));
    expect(lines).toEqual([]);
    app.stdin.end('secret\n');
    await waitFor(dir, 'the line', async () => (lines.length === 1 ? true : undefined));
    expect(lines).toEqual(['Password: ok']);
    expect(to.text()).toBe('Password: ok\n');
  });

  it('reassembles a UTF-8 character split across writes', async () => {
    const script = [
      "const text = Buffer.from('größe ✓\\n');",
      'process.stdout.write(text.subarray(0, 3));',
      'setTimeout(() => process.stdout.write(text.subarray(3, 9)), 20);',
      'setTimeout(() => process.stdout.write(text.subarray(9)), 40);',
    ].join(' ');
    const { to, lines } = await tapped(script);
    await waitFor(dir, 'the line', async () => (lines.length === 1 ? true : undefined));
    expect(lines).toEqual(['größe ✓']);
    expect(to.bytes()).toEqual(Buffer.from('größe ✓\n'));
  });

  it('taps stderr the same way', async () => {
    const { to, lines } = await tapped("process.stderr.write('warn 1\\nwarn 2\\n');", 'stderr');
    await waitFor(dir, 'the lines', async () => (lines.length === 2 ? true : undefined));
    expect(lines).toEqual(['warn 1', 'warn 2']);
    expect(to.text()).toBe('warn 1\nwarn 2\n');
  });

  it('cuts a line longer than the limit into pieces instead of holding it until a line break comes', async () => {
    // 1 MiB of a progress bar that never ends its line, then a line break.
    const script = "const bar = 'x'.repeat(64 * 1024); let n = 0; const t = setInterval(() => { process.stdout.write(bar); if (++n === 16) { clearInterval(t); process.stdout.write('\\ndone\\n'); } }, 1);";
    const { app, to, lines } = await tapped(script);
    await withTimeout(app.exited, 'exited');
    await waitFor(dir, 'the last line', async () => (lines.at(-1) === 'done' ? true : undefined));
    // Reported in pieces of at most the limit, as they came: nothing held a whole MiB.
    expect(lines.slice(0, -1).every((line) => line.length <= maxOutputLineLength && /^x+$/.test(line))).toBe(true);
    expect(lines.slice(0, -1).join('').length).toBe(16 * 64 * 1024);
    expect(lines.length).toBeGreaterThanOrEqual(17);
    expect(to.bytes().length).toBe(16 * 64 * 1024 + '\ndone\n'.length);
  });

  it('does nothing for an output that is not piped', async () => {
    const app = await spawnApp({ command: process.execPath, args: ['-e', '0'], cwd: dir, env: { ...process.env }, pipeOutput: false, tag: 'test.1' });
    apps.push(app);
    const to = sink();
    expect(() => tapOutput(app, 'stdout', to.stream, () => expect.unreachable())).not.toThrow();
    await withTimeout(app.exited, 'exited');
    expect(to.bytes().length).toBe(0);
  });
});
