import { chmod, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DevreloadError } from '../../src/errors.js';
import { spawnApp, type SpawnOptions } from '../../src/process/spawn.js';

let dir = '';

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'devreload-spawn-error-'));
});

afterEach(async () => {
  await chmod(dir, 0o700).catch(() => {});
  await rm(dir, { recursive: true, force: true });
});

const spawnFailure = (options: Partial<SpawnOptions>) =>
  spawnApp({ command: process.execPath, args: [], cwd: dir, env: { ...process.env }, pipeOutput: false, tag: 'test.1', ...options });

async function expectUserError(options: Partial<SpawnOptions>, message: string | RegExp, exitCode: number): Promise<void> {
  const failure = spawnFailure(options);
  await expect(failure).rejects.toThrow(DevreloadError);
  await expect(failure).rejects.toThrow(message);
  await expect(failure).rejects.toMatchObject({ exitCode });
  // The CLI prints it as one `[devreload] error: …` line.
  await expect(failure).rejects.toSatisfy((error: Error) => !error.message.includes('\n'));
}

// Real failures of the OS, each turned into a one-line message with the exit code a shell would use.
describe('spawn errors', () => {
  it('names a command that is not found (127), without an unhandled rejection', async () => {
    const unhandled: unknown[] = [];
    const onUnhandled = (error: unknown) => unhandled.push(error);
    process.on('unhandledRejection', onUnhandled);
    try {
      await expectUserError({ command: 'devreload-no-such-command' }, /^command not found: devreload-no-such-command \(/, 127);
      // An unhandled rejection is reported once the microtask queue drains: a few event-loop turns.
      for (let turn = 0; turn < 3; turn += 1) await new Promise((done) => setImmediate(done));
    } finally {
      process.off('unhandledRejection', onUnhandled);
    }
    expect(unhandled).toEqual([]);
  });

  it('points at the #! line of a script whose interpreter is missing', async () => {
    const script = join(dir, 'bad-shebang.sh');
    await writeFile(script, '#!/devreload/no/such/interpreter\n', { mode: 0o755 });
    await expectUserError({ command: script }, /^command not found: .*check its #! interpreter\)$/, 127);
  });

  it('names a program that is not executable (126)', async () => {
    const script = join(dir, 'not-executable.sh');
    await writeFile(script, '#!/bin/sh\necho hi\n', { mode: 0o644 });
    await expectUserError({ command: script }, `command is not executable: ${script} (`, 126);
  });

  // What execa says about the working directory (it checks it once a spawn failed), in one line.
  it('names a working directory that does not exist, in execa\'s words', async () => {
    const missing = join(dir, 'missing');
    await expectUserError({ cwd: missing }, `could not start ${process.execPath}: The "cwd" option is invalid: ${missing}. ENOENT: no such file or directory`, 2);
  });

  it('names a working directory that is a file, in execa\'s words', async () => {
    const file = join(dir, 'plain.txt');
    await writeFile(file, 'x');
    await expectUserError({ cwd: file }, `could not start ${process.execPath}: The "cwd" option is not a directory: ${file}.`, 2);
  });

  // root enters any directory whatever its mode, so the OS never refuses it there.
  it.skipIf(process.getuid?.() === 0)('names a working directory it may not enter (skipped as root)', async () => {
    const locked = join(dir, 'locked');
    await mkdir(locked, { mode: 0o000 });
    await expectUserError({ cwd: locked }, `working directory not accessible: ${locked} (`, 2);
  });

  it('reports any other failure as a plain error with its code (E2BIG: an argument over 128 KiB)', async () => {
    const failure = spawnFailure({ command: 'true', args: ['x'.repeat(200_000)] });
    await expect(failure).rejects.toThrow('could not start true: spawn E2BIG');
    await expect(failure).rejects.not.toBeInstanceOf(DevreloadError);
  });
});
