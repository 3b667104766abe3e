import { chmod, writeFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { cliOptions } from '../../src/cli/options.js';
import { disposeAfterEach, Devreload, Project, serverFixture } from './harness.js';

disposeAfterEach();

/** Runs devreload to completion and checks the shape every bad-input error must have. */
async function fails(args: string[], expected: RegExp, code = 2, existing?: Project): Promise<Devreload> {
  const project = existing ?? (await Project.create());
  const devreload = new Devreload(args, { cwd: project.dir, env: { APP_RECORD: project.record } });
  const exit = await devreload.waitForExit();
  const lines = devreload.stderr.trim().split('\n');
  expect(exit, devreload.output).toEqual({ code, signal: null });
  expect(lines, devreload.output).toHaveLength(1);
  expect(lines[0]).toMatch(/^\[devreload\] error: /);
  expect(lines[0]).toMatch(expected);
  expect(devreload.output).not.toMatch(/\n\s+at /);
  expect(project.entries('start'), 'the app must not have started').toEqual([]);
  return devreload;
}

describe('bad input: one clear line, non-zero exit, nothing left running', () => {
  it('unknown flag', async () => {
    await fails(['--wacth', 'src', '--', 'node', serverFixture], /unknown option --wacth/i);
  });

  it('a flag missing its value', async () => {
    await fails(['--delay'], /--delay: the value is missing; expected a duration in milliseconds/);
  });

  // Each at the end of devreload's options (`--socket --`) and at the very end: the value that
  // is not there must not become "true" (a port, a path, an extension) or swallow the `--`.
  for (const option of cliOptions.filter((o) => o.value === 'required')) {
    const long = option.flags.split(/[\s,]+/).find((part) => part.startsWith('--'))!;
    const missing = new RegExp(`^\\[devreload\\] error: ${long}: the value is missing; expected `);
    it(`${long} with no value: the value is missing`, async () => {
      // Node itself checks that a file named after `--env-file` exists, even after the script
      // name (nodejs/node#54232): `--env-file --` never reaches devreload.
      if (long !== '--env-file') await fails([long, '--', 'node', serverFixture], missing);
      await fails(['--verbose', long], missing);
    });
  }

  it('a short option missing its value names both spellings', async () => {
    await fails(['-e', '--', 'node', serverFixture], /-e \(--ext\): the value is missing; expected a comma-separated list of extensions/);
    await fails(['-w', '--verbose', '--', 'node', serverFixture], /-w \(--watch\): the value is missing \(--verbose is an option\)/);
  });

  it('non-numeric and negative durations', async () => {
    await fails(['--kill-timeout', 'soon', '--', 'node', serverFixture], /--kill-timeout: expected a duration in milliseconds.*"soon"/);
    await fails(['--kill-timeout', '-5', '--', 'node', serverFixture], /--kill-timeout: must not be negative, got -5 \(expected a duration in milliseconds/);
    await fails(['--delay', '-1', '--', 'node', serverFixture], /--delay: must not be negative, got -1/);
    await fails(['--delay=-5', '--', 'node', serverFixture], /--delay: must not be negative, got -5/);
  });

  it('--prestart with a mode it does not know', async () => {
    await fails(['--prestart=cold', '--', 'node', serverFixture], /^\[devreload\] error: --prestart: expected runtime or warm \(or no value: warm\), got "cold"$/);
  });

  it('unknown signal', async () => {
    await fails(['--signal', 'SIGNOPE', '--', 'node', serverFixture], /--signal: unknown signal "SIGNOPE"/);
  });

  it('missing command', async () => {
    await fails(['--watch', 'src'], /missing command: put the program to run after `--`/);
    await fails(['--watch', 'src', '--'], /missing command/);
  });

  it('watch path that does not exist', async () => {
    await fails(['--watch', 'nope', '--', 'node', serverFixture], /--watch: no such file or directory: nope/);
  });

  it('cwd that does not exist', async () => {
    await fails(['--cwd', '/definitely/not/here', '--', 'node', serverFixture], /--cwd: no such directory: \/definitely\/not\/here/);
  });

  it('program not found: exits 127 naming it', async () => {
    await fails(['--watch', 'src', '--', 'no-such-program-xyz', 'arg'], /command not found: no-such-program-xyz/, 127);
  });

  it('program not executable: exits 126 naming it', async () => {
    const project = await Project.create();
    await writeFile(project.path('script.sh'), '#!/bin/sh\necho hi\n');
    await chmod(project.path('script.sh'), 0o644);
    await fails(['--watch', 'src', '--', './script.sh'], /script\.sh/, 126, project);
  });

  it('a stray argument before `--`', async () => {
    await fails(['--quiet', 'yes', '--', 'node', serverFixture], /unexpected argument "yes"/);
  });

  it('config with an unknown key, a wrong type, or a JSON syntax error', async () => {
    const cases: Array<[string, RegExp]> = [
      ['{ "kilTimeout": 5 }', /devreload\.config\.json: unknown key "kilTimeout" \(did you mean "killTimeout"\?\)/],
      ['{ "delay": true }', /devreload\.config\.json: "delay" must be a number of milliseconds or a duration like "500ms", got boolean true/],
      ['{\n  "watch": ["src"\n}', /devreload\.config\.json: invalid JSON at line 3, column 1/],
      ['{ "killTimeout": "soon" }', /devreload\.config\.json: "killTimeout": expected a duration in milliseconds/],
      ['{ "signal": "SIGNOPE" }', /devreload\.config\.json: "signal": unknown signal "SIGNOPE"/],
    ];
    for (const [content, expected] of cases) {
      const project = await Project.create();
      await writeFile(project.path('devreload.config.json'), content);
      await fails(['--', 'node', serverFixture], expected, 2, project);
    }
  });

  it('an unknown flag close to a real one gets a suggestion', async () => {
    await fails(['--kill-timout', '5', '--', 'node', serverFixture], /unknown option --kill-timout — did you mean --kill-timeout\?/i);
  });

  it('an empty --ignore glob: one line, and devreload exits without starting anything', async () => {
    await fails(['--ignore', '', '--watch', 'src', '--', 'node', serverFixture], /ignore/);
  });

  it('--cwd that is a file, and --watch that may not be read', async () => {
    const project = await Project.create();
    await writeFile(project.path('plain.txt'), 'x');
    await fails(['--cwd', 'plain.txt', '--', 'node', serverFixture], /--cwd: not a directory: plain\.txt/, 2, project);
  });
});
