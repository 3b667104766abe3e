import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { clearSequence, createLogger, type LoggerOptions } from '../../src/log/logger.js';

/** A logger writing to a buffer, and (with `clearTty`) a terminal for `--clear` writing to the same buffer, as a real terminal shows both. */
function capture(options: Partial<LoggerOptions> & { clearTty?: boolean } = {}) {
  let screen = '';
  const stream = new PassThrough();
  stream.on('data', (chunk: Buffer) => (screen += chunk.toString()));
  const terminal = { isTTY: options.clearTty ?? true, write: (text: string) => (screen += text) };
  const logger = createLogger({ level: 'normal', cwd: '/p', command: ['node', 'server.js'], stream, env: { NO_COLOR: '1' }, clear: terminal, ...options });
  return { logger, screen: () => screen };
}

const changes = (paths: string[], count = paths.length) => ({ paths, count });

describe('the started line', () => {
  it('quotes arguments with spaces or shell characters, so it can be pasted into a shell', () => {
    const { logger, screen } = capture({ command: ['node', 'my server.js', '--name', "it's", '$PORT', '--port=3000'] });
    logger.event({ kind: 'spawned', pid: 1, restartMs: null, changes: null });
    expect(screen()).toBe(`[devreload] started node 'my server.js' --name 'it'\\''s' '$PORT' --port=3000\n`);
  });

  it('names the configuration file in use', () => {
    const { logger, screen } = capture({ using: 'nodemon.json' });
    logger.event({ kind: 'spawned', pid: 1, restartMs: null, changes: null });
    expect(screen()).toBe('[devreload] started node server.js (using nodemon.json)\n');
  });

  it('shows a command given as one string as it is', () => {
    const { logger, screen } = capture({ command: 'npm run dev' });
    logger.event({ kind: 'spawned', pid: 1, restartMs: null, changes: null });
    expect(screen()).toBe('[devreload] started npm run dev\n');
  });
});

describe('--clear', () => {
  it('clears when a restart begins, and keeps the line that names what changed on screen', () => {
    const { logger, screen } = capture();
    logger.event({ kind: 'spawned', pid: 1, restartMs: null, changes: null });
    logger.event({ kind: 'change', changes: changes(['/p/src/app.ts']) });
    logger.event({ kind: 'spawned', pid: 2, restartMs: 44, changes: changes(['/p/src/app.ts']) });
    const visible = screen().slice(screen().lastIndexOf(clearSequence) + clearSequence.length);
    expect(screen()).toContain('started node server.js');
    expect(visible).toBe('[devreload] restarting: src/app.ts changed\n[devreload] restarted in 44 ms\n');
  });

  it('clears for a restart asked for by hand, and says so', () => {
    const { logger, screen } = capture();
    logger.event({ kind: 'change', changes: changes([]) });
    expect(screen()).toBe(`${clearSequence}[devreload] restarting (requested)\n`);
  });

  it('clears even with --quiet, which hides the line', () => {
    const { logger, screen } = capture({ level: 'quiet' });
    logger.event({ kind: 'change', changes: changes(['/p/a.js']) });
    expect(screen()).toBe(clearSequence);
  });

  it('never clears what is not a terminal, nor without --clear', () => {
    for (const options of [{ clearTty: false }, { clear: undefined }]) {
      const { logger, screen } = capture(options);
      logger.event({ kind: 'change', changes: changes(['/p/a.js']) });
      expect(screen()).toBe('[devreload] restarting: a.js changed\n');
    }
  });
});

describe('the waiting line', () => {
  it('names the process, its command line, the time until SIGKILL and how to force it', () => {
    const { logger, screen } = capture();
    logger.event({ kind: 'waiting', pid: 1234, remaining: [{ pid: 1234, command: 'node server.js' }], killInMs: 4000, canForce: true });
    expect(screen()).toBe('[devreload] waiting for pid 1234 (node server.js) to exit — 4 s until SIGKILL; Ctrl-C again to force\n');
  });

  it('names three processes at most, cuts long command lines, keeps to one line, and says when SIGKILL was sent already', () => {
    const { logger, screen } = capture();
    const long = `node ${'x'.repeat(100)}.js`;
    const remaining = [1, 2, 3, 4, 5].map((pid) => ({ pid, command: pid === 2 ? long : `worker\n  ${pid}` }));
    logger.event({ kind: 'waiting', pid: 1, remaining, killInMs: null, canForce: false });
    expect(screen()).toBe(`[devreload] waiting for pids 1 (worker 1), 2 (${long.slice(0, 59)}…), 3 (worker 3) and 2 more to exit — SIGKILL sent\n`);
  });

  it('names processes with the same command line once, after their pids (a pre-fork server)', () => {
    const { logger, screen } = capture();
    const gunicorn = '/usr/bin/python3 /usr/bin/gunicorn -w 3 -b 127.0.0.1:8105 app:app';
    const remaining = [{ pid: 10, command: gunicorn }, { pid: 11, command: gunicorn }, { pid: 12, command: 'sh -c sleep 9' }, { pid: 13, command: gunicorn }];
    logger.event({ kind: 'waiting', pid: 10, remaining, killInMs: 4000, canForce: false });
    expect(screen()).toBe(`[devreload] waiting for pids 10, 11, 13 (${gunicorn.slice(0, 59)}…), 12 (sh -c sleep 9) to exit — 4 s until SIGKILL\n`);
  });

  it('says nothing when nothing is left (it was gone by the time the table was read)', () => {
    const { logger, screen } = capture();
    logger.event({ kind: 'waiting', pid: 1, remaining: [], killInMs: 4000, canForce: true });
    expect(screen()).toBe('');
  });
});

describe('--build', () => {
  it('a change starts a build, and the line says so; a failed build names the app it keeps', () => {
    const { logger, screen } = capture({ building: true, clear: undefined });
    logger.event({ kind: 'change', changes: changes(['/p/src/greet.ts']) });
    logger.event({ kind: 'building', changes: changes(['/p/src/greet.ts']) });
    logger.event({ kind: 'buildFailed', exit: { code: 2, signal: null }, ms: 120, keeping: 4321, message: null });
    logger.event({ kind: 'change', changes: changes([]) });
    expect(screen()).toBe(
      '[devreload] building: src/greet.ts changed\n[devreload] build failed (exit 2) — keeping the running app (pid 4321)\n[devreload] building (requested)\n',
    );
  });
});
