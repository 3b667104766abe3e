import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { parseCli } from '../../src/cli/main.js';

// nodemon's command lines (its doc/cli/options.txt) get an answer: a meaning here, or one line.

const run = (argv: string[]) => {
  const parsed = parseCli(argv);
  if (parsed.kind !== 'run') throw new Error(`expected a run, got ${parsed.kind}`);
  return parsed;
};

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'devreload-flags-'));
});
afterEach(() => {
  rmSync(dir, { recursive: true, force: true });
});

describe("nodemon's flags", () => {
  it('-x/--exec is a command line for sh -c; what follows it is appended', () => {
    expect(run(['-x', 'node server.js --port 1']).options).toEqual({ exec: 'node server.js --port 1', args: [] });
    expect(run(['--exec', 'python -v', 'app.py', '--debug']).options).toEqual({ exec: 'python -v', args: ['app.py', '--debug'] });
  });

  it('-L polls (-P sets the interval with it), --exitcrash quits with the app, --on-change-only postpones, --dump prints the settings', () => {
    expect(run(['-L', 'server.js']).options).toMatchObject({ poll: true, command: 'server.js' });
    expect(run(['--legacy-watch', '-P', '500', 'server.js']).options).toMatchObject({ poll: '500' });
    expect(run(['-L', '--poll', '50', 'server.js']).options).toMatchObject({ poll: '50' });
    expect(run(['--exitcrash', 'server.js']).options).toMatchObject({ onExit: 'quit' });
    expect(run(['--on-change-only', 'server.js']).options).toMatchObject({ postpone: true });
    expect(run(['--dump', 'server.js']).printConfig).toBe(true);
    expect(run(['--print-config', 'server.js']).printConfig).toBe(true);
  });

  it('a flag with no equivalent is accepted with one line naming devreload’s way', () => {
    const parsed = run(['-I', '--spawn', '--no-update-notifier', '--no-colours', '-P', '300', 'server.js']);
    expect(parsed.options).toEqual({ command: 'server.js', args: [] });
    expect(parsed.notes).toEqual([
      '-P (--polling-interval) 300: nodemon polls only with -L, and so does devreload: add -L, or use --poll 300',
      "-I (nodemon's) has no equivalent: the app always gets a pipe from devreload (lines you type reach it; rs restarts); it runs in its own process group, so it cannot read the terminal itself",
      "--spawn (nodemon's) has no equivalent: devreload always spawns the app, never forks it",
      "--no-update-notifier (nodemon's) has no equivalent: devreload never checks for updates",
      "--no-colors (nodemon's) has no equivalent: set NO_COLOR=1 (devreload and most apps honour it)",
    ]);
  });

  it('a bare --delay below 20 is nodemon’s seconds: refused, saying how to write either', () => {
    expect(() => run(['-d', '2', 'server.js'])).toThrow("-d 2 means 2 ms here; write 2s for seconds (nodemon's --delay counts seconds), or 2ms if you do mean milliseconds");
    expect(() => run(['--delay', '2.5', 'server.js'])).toThrow(/^--delay 2\.5 means 2\.5 ms here; write 2\.5s for seconds/);
    expect(run(['--delay', '2s', 'server.js']).options.delay).toBe('2s');
    expect(run(['--delay', '2ms', 'server.js']).options.delay).toBe('2ms');
    expect(run(['--delay', '0', 'server.js']).options.delay).toBe('0');
    expect(run(['--delay', '20', 'server.js']).options.delay).toBe('20');
  });

  it('-C stays --cwd; followed by something that is not a folder it asks whether nodemon’s -C was meant', () => {
    expect(run(['-C', dir, 'server.js']).options.cwd).toBe(dir);
    expect(() => run(['-C', 'server.js'])).toThrow("-C (--cwd): server.js is not a folder — did you mean --postpone (nodemon's -C: start only after a change)?");
    expect(() => run(['-C', '--', 'node'])).toThrow(/^-C \(--cwd\): the value is missing; expected a directory.* — did you mean --postpone \(nodemon's -C/);
    // Spelled out, --cwd means what it says: a missing folder is resolve.ts's ordinary error.
    expect(run(['--cwd', 'nowhere', 'server.js']).options.cwd).toBe('nowhere');
  });

  it('a Node.js option before the script says where it goes', () => {
    expect(() => run(['--inspect', 'server.js'])).toThrow('Unknown option --inspect — a Node.js option goes after the command: devreload -- node --inspect server.js (see devreload --help)');
  });
});
