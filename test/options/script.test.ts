import { chmodSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { resolveOptions } from '../../src/options/resolve.js';
import { repoRoot } from '../e2e/harness.js';

// Real files in a temp dir: what runs for `devreload <script>`, as nodemon runs it.

let dir: string;

beforeEach(() => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'devreload-script-'));
  mkdirSync(path.join(dir, 'src'));
  for (const file of ['server.js', 'src/server.mjs', 'src/server.ts', 'app.py', 'notes.txt']) writeFileSync(path.join(dir, file), '');
});

afterEach(() => {
  rmSync(dir, { recursive: true, force: true });
});

const run = (command: string, args: string[] = [], extra: object = {}) => {
  const { command: program, args: argv, exec } = resolveOptions({ command, args, cwd: dir, workspaces: false, ...extra }, 'cli');
  return { command: program, args: argv, exec };
};

/** A PATH without any tsx on it (the repository's own node_modules/.bin is not above the temp dir). */
const noTsx = { env: { ...process.env, PATH: '/usr/bin:/bin' } };

describe('a script named by itself runs with its runtime', () => {
  it('.js, .mjs and .cjs with node; .py with python3', () => {
    expect(run('server.js', ['--port', '1'])).toEqual({ command: 'node', args: ['server.js', '--port', '1'], exec: undefined });
    expect(run('src/server.mjs')).toEqual({ command: 'node', args: ['src/server.mjs'], exec: undefined });
    expect(run('./app.py')).toEqual({ command: 'python3', args: ['./app.py'], exec: undefined });
  });

  it('.ts with the project’s tsx, and a clear error naming what to install without one', () => {
    expect(() => run('src/server.ts', [], noTsx)).toThrow(/^src\/server\.ts is TypeScript, which devreload runs with tsx, and tsx is not installed here: install it \(npm install --save-dev tsx\)/);
    mkdirSync(path.join(dir, 'node_modules/.bin'), { recursive: true });
    symlinkSync(path.join(repoRoot, 'node_modules/.bin/tsx'), path.join(dir, 'node_modules/.bin/tsx'));
    expect(run('src/server.ts', [], noTsx)).toEqual({ command: 'tsx', args: ['src/server.ts'], exec: undefined });
  });

  it('an executable file, a command on PATH and anything else keep their meaning', () => {
    writeFileSync(path.join(dir, 'server.js'), '#!/usr/bin/env node\n');
    chmodSync(path.join(dir, 'server.js'), 0o755);
    expect(run('./server.js')).toEqual({ command: './server.js', args: [], exec: undefined });
    expect(run('node', ['server.js'])).toEqual({ command: 'node', args: ['server.js'], exec: undefined });
    expect(run('notes.txt')).toEqual({ command: 'notes.txt', args: [], exec: undefined });
    expect(run('missing.js')).toEqual({ command: 'missing.js', args: [], exec: undefined });
  });

  it('an executable script without a #! line still runs with its runtime (on WSL /mnt/c and FAT or NTFS mounts every file is executable)', () => {
    writeFileSync(path.join(dir, 'src/app.py'), 'print(1)\n');
    for (const file of ['server.js', 'src/app.py']) chmodSync(path.join(dir, file), 0o755);
    expect(run('./server.js')).toEqual({ command: 'node', args: ['./server.js'], exec: undefined });
    expect(run('src/app.py')).toEqual({ command: 'python3', args: ['src/app.py'], exec: undefined });
  });

  it('a command line given as one program is refused with the two ways to say it', () => {
    expect(() => run('node server.js')).toThrow(`command not found: "node server.js" is one argument with spaces: drop the quotes (devreload node server.js), or run it through a shell with --exec 'node server.js'`);
    expect(() => resolveOptions({ command: 'node src/server.js', cwd: dir })).toThrow(
      'command: "node src/server.js" is one program name with spaces: put the arguments in args (command: "node", args: ["src/server.js"]), or give exec: "node src/server.js" for a shell command line',
    );
  });
});

describe('exec', () => {
  it('is run by sh -c, with any arguments appended quoted', () => {
    expect(resolveOptions({ exec: 'node server.js --port 1', cwd: dir })).toMatchObject({ command: 'sh', args: ['-c', 'node server.js --port 1'], exec: 'node server.js --port 1' });
    expect(resolveOptions({ exec: 'python3 -u', args: ['my app.py'], cwd: dir })).toMatchObject({ args: ['-c', "python3 -u 'my app.py'"] });
  });

  it('and a command are one too many; an empty one is an error', () => {
    expect(() => resolveOptions({ exec: 'node x', command: 'node', cwd: dir })).toThrow(/^exec: give either a program \(command, with its arguments\) or a shell command line \(exec\), not both/);
    expect(() => resolveOptions({ exec: ' ', cwd: dir }, 'cli')).toThrow(/^--exec: expected a command line/);
  });
});
