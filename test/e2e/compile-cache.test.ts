import { chmod, mkdir, mkdtemp, readdir, readFile, rm, stat, utimes, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { disposeAfterEach, Devreload, Project } from './harness.js';

// bin/load-cli.js: the CLI bundle is loaded with V8's code cache of the previous run, kept in a
// folder of the temp dir only this user may write (on every Node version: Node 22+'s own compile
// cache measured no faster). The cache is an optimisation: whatever is in the folder, devreload
// runs as without it.

disposeAfterEach();

const uid = process.getuid?.() ?? 0;
let tmp: string;

afterEach(async () => {
  if (tmp !== undefined) await rm(tmp, { recursive: true, force: true });
});

/** devreload over an app that exits at once, quitting with it; TMPDIR is `tmp`. */
async function runOnce(): Promise<Devreload> {
  const project = await Project.create();
  const d = new Devreload(['--on-exit', 'quit', '--', 'node', '-e', "console.log('app ran')"], { cwd: project.dir, env: { TMPDIR: tmp } });
  const exit = await d.waitForExit();
  expect(exit, d.output).toEqual({ code: 0, signal: null });
  expect(d.stdout, d.output).toContain('app ran');
  return d;
}

const ownDir = () => path.join(tmp, `devreload-compile-cache-${uid}`);

describe('the code cache of the CLI bundle', () => {
  it('is written after a start (not after --help), to a folder only this user may write, and a damaged one is replaced', async () => {
    tmp = await mkdtemp(path.join(os.tmpdir(), 'devreload-cache-'));
    // `--help` exits at once: its few functions would make a cache that starts barely use.
    const help = new Devreload(['--help'], { cwd: tmp, env: { TMPDIR: tmp } });
    expect(await help.waitForExit(), help.output).toEqual({ code: 0, signal: null });
    expect(await readdir(tmp)).not.toContain(`devreload-compile-cache-${uid}`);
    await runOnce();
    expect((await stat(ownDir())).mode & 0o777).toBe(0o700);
    const [file, ...rest] = await readdir(ownDir());
    expect(rest).toEqual([]);
    expect(file).toMatch(new RegExp(`^${process.version.replace(/\./g, '\\.')}-${process.arch}-\\d+-\\d+-\\d+\\.bin$`));
    const cache = path.join(ownDir(), file!);
    expect((await stat(cache)).mode & 0o777).toBe(0o600);
    const written = await readFile(cache);
    expect(written.length).toBeGreaterThan(10_000);

    // V8 rejects a damaged cache; the bundle is compiled from source and the cache rewritten.
    await writeFile(cache, 'not a code cache');
    await runOnce();
    expect((await readFile(cache)).length).toBeGreaterThan(10_000);
  });

  it('removes cache files of other builds not rewritten for a week, and keeps recent ones', async () => {
    tmp = await mkdtemp(path.join(os.tmpdir(), 'devreload-cache-'));
    await mkdir(ownDir(), { mode: 0o700 });
    const old = path.join(ownDir(), 'v20.0.0-x64-1-1-1.bin');
    const recent = path.join(ownDir(), 'v20.0.0-x64-2-2-2.bin');
    await writeFile(old, 'an older build');
    await writeFile(recent, 'another install, used yesterday');
    const eightDaysAgo = new Date(Date.now() - 8 * 24 * 60 * 60 * 1000);
    await utimes(old, eightDaysAgo, eightDaysAgo);
    await runOnce();
    const left = await readdir(ownDir());
    expect(left).not.toContain(path.basename(old));
    expect(left).toContain(path.basename(recent));
    expect(left).toHaveLength(2);
  });

  it('in a folder others may write to, is neither read nor written', async () => {
    tmp = await mkdtemp(path.join(os.tmpdir(), 'devreload-cache-'));
    await mkdir(ownDir());
    await chmod(ownDir(), 0o777);
    await runOnce();
    await runOnce();
    // devreload refused it: nothing was read from it or written to it.
    expect(await readdir(ownDir())).toEqual([]);
  });
});
