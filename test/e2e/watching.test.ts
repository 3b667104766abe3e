import { execFile } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { mkdir, rename, rm, unlink, writeFile } from 'node:fs/promises';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { skipInPass } from '../pass.js';
import { canRun, disposeAfterEach, Devreload, devreloadBin, Project, serverFixture, starts, waitUntil } from './harness.js';

let project: Project;
let devreload: Devreload | undefined;

disposeAfterEach();

const ready = /\] ready\b/;

async function launch(args: string[], env: NodeJS.ProcessEnv = {}, prepare?: (p: Project) => Promise<void>): Promise<Devreload> {
  project = await Project.create();
  await prepare?.(project);
  devreload = new Devreload([...args, '--', 'node', serverFixture], { cwd: project.dir, env: { APP_RECORD: project.record, ...env } });
  await devreload.waitFor(ready);
  await devreload.waitFor(/watching/);
  return devreload;
}

/** The DEVRELOAD_CHANGED list the n-th instance (1-based) received. */
function changedAt(n: number): string[] {
  return JSON.parse(project.entries('start')[n - 1]?.changed ?? 'null') as string[];
}

describe('watching what the user means', () => {
  it('a burst of 500 rewritten files gives exactly one restart, and the log names the first and counts the rest', async () => {
    const d = await launch(['--verbose'], {}, async (p) => {
      await Promise.all(Array.from({ length: 500 }, (_, i) => p.write(`src/gen/f${i}.js`, '0')));
    });
    // A first restart, so the burst meets a watcher that has settled after its initial scan
    // (chokidar can miss a write made in the very first moments after it says it is ready).
    await project.write('src/app.js');
    await d.waitFor(ready, 2);
    // One process rewriting files back to back, as `git checkout` does.
    for (let i = 0; i < 500; i++) writeFileSync(project.path(`src/gen/f${i}.js`), '1');
    await d.waitFor(ready, 3);
    // A sentinel after the burst: exactly one more restart proves the burst left none queued.
    await project.write('src/app.js');
    await d.waitFor(ready, 4);
    expect(starts(project)).toBe(4);
    expect(changedAt(3)).toHaveLength(500);
    expect(changedAt(4)).toEqual(['src/app.js']);
    expect(d.stderr).toMatch(/restarted in \d+ ms — src\/gen\/f\d+\.js \(\+499 more\) changed/);
    // --verbose times the initial scan; "ready" is the app's word.
    expect(d.stderr).toMatch(/\[devreload\] watching \S+ \(scanned in \d+ ms\)\n/);
  });

  it('new directories, files inside them, deletions and renames all restart', async () => {
    const d = await launch(['--watch', 'src']);
    await mkdir(project.path('src/a/b'), { recursive: true });
    await project.write('src/a/b/new.js');
    await d.waitFor(ready, 2);
    expect(changedAt(2)).toContain('src/a/b/new.js');

    await rename(project.path('src/a/b/new.js'), project.path('src/a/b/renamed.js'));
    await d.waitFor(ready, 3);
    expect(changedAt(3)).toContain('src/a/b/renamed.js');

    await rm(project.path('src/a/b/renamed.js'));
    await d.waitFor(ready, 4);
    expect(changedAt(4)).toEqual(['src/a/b/renamed.js']);
  });

  it('watches a single file', async () => {
    const d = await launch(['--watch', 'src/app.js']);
    await project.write('src/other.js');
    await project.write('src/app.js');
    await d.waitFor(ready, 2);
    expect(changedAt(2)).toEqual(['src/app.js']);
  });

  it('an editor’s atomic save (swap file, temp file renamed over the original) restarts exactly once per save', async () => {
    const d = await launch(['--watch', 'src']);
    for (let save = 1; save <= 3; save++) {
      // vim: swap file first, then the write-test file, then write-to-temp + rename over.
      await writeFile(project.path('src/.app.js.swp'), `swap ${save}`);
      await writeFile(project.path('src/4913'), '');
      await rm(project.path('src/4913'));
      await writeFile(project.path('src/app.js~'), `backup ${save}`);
      await writeFile(project.path('src/app.js.tmp___jb_tmp___'), `export const version = ${save};\n`);
      await rename(project.path('src/app.js.tmp___jb_tmp___'), project.path('src/app.js'));
      await d.waitFor(ready, save + 1);
      expect(changedAt(save + 1)).toEqual(['src/app.js']);
    }
    await writeFile(project.path('src/.app.js.swp'), 'swap only');
    await project.write('src/sentinel.js');
    await d.waitFor(ready, 5);
    expect(changedAt(5)).toEqual(['src/sentinel.js']);
    expect(starts(project)).toBe(5);
  });

  it('an app writing logs and build output into ignored places never restarts itself', async () => {
    const d = await launch([], {}, async (p) => {
      await writeFile(p.path('.gitignore'), 'logs/\ndist/\n');
      await mkdir(p.path('logs'));
      await mkdir(p.path('dist'));
      await mkdir(p.path('node_modules/.cache'), { recursive: true });
    });
    for (const file of ['logs/app.log', 'dist/bundle.js', 'node_modules/.cache/x.json', '.git/index']) await project.write(file);
    await project.write('src/app.js');
    await d.waitFor(ready, 2);
    expect(changedAt(2)).toEqual(['src/app.js']);
  });

  // A user namespace has its own inotify limit (Linux ≥ 4.9): a real ENOSPC, without touching the host's.
  const limit = 'echo 30 > /proc/sys/user/max_inotify_watches && exec "$@"';
  // Needs `unshare` (util-linux), user namespaces, and a per-namespace limit we may lower.
  const canLimitWatches = canRun(['unshare', '--user', '--map-root-user', 'sh', '-c', limit, 'sh', 'true']);

  it.skipIf(!canLimitWatches)('out of inotify watches: one clear message, and what could not be watched natively is polled (needs unshare --user --map-root-user)', async (context) => {
    skipInPass(context, { polling: 'polling takes no inotify watch: there is no limit to run out of' });
    project = await Project.create();
    const p = project;
    for (let i = 0; i < 60; i++) await p.write(`src/f${String(i).padStart(2, '0')}.js`);
    devreload = new Devreload([], {
      cwd: p.dir,
      env: { APP_RECORD: p.record },
      program: ['unshare', '--user', '--map-root-user', 'sh', '-c', limit, 'sh', process.execPath, devreloadBin, '--watch', 'src', '--', 'node', serverFixture],
    });
    const d = devreload;
    await d.waitFor(/\[devreload\] watching/);
    await d.waitFor(ready);
    await d.waitFor(/Cannot watch (\S+): the system limit on file watchers is reached/);
    const failed = /Cannot watch (\S+): the system limit/.exec(d.stderr)![1]!;
    expect(d.stderr).toMatch(/sysctl -w fs\.inotify\.max_user_watches=524288/);
    expect(d.stderr).toMatch(/polls what it could not watch/);
    expect(d.count(/Cannot watch/)).toBe(1);
    await writeFile(failed, 'changed while only polling could see it\n');
    await d.waitFor(ready, 2);
    expect(changedAt(2)).toEqual([path.relative(p.dir, failed)]);
  });

  it('with --ext, creating or removing an empty folder restarts nothing; a matching file in a new folder restarts once', async () => {
    const d = await launch(['--ext', 'js', '--watch', 'src'], {}, async (p) => mkdir(p.path('src/old-empty')));
    await mkdir(project.path('src/empty'));
    await mkdir(project.path('src/a/b/c'), { recursive: true });
    await rm(project.path('src/old-empty'), { recursive: true });
    await rm(project.path('src/a'), { recursive: true });
    await project.write('src/sentinel.js');
    await d.waitFor(ready, 2);
    expect(changedAt(2)).toEqual(['src/sentinel.js']);

    await mkdir(project.path('src/d'));
    await writeFile(project.path('src/d/x.js'), '\n');
    await d.waitFor(ready, 3);
    expect(changedAt(3)).toEqual(['src/d/x.js']);
    await project.write('src/sentinel.js');
    await d.waitFor(ready, 4);
    expect(starts(project)).toBe(4);
  });

  it('an edited .gitignore (root, then nested) is not a restart, and the next event meets its new rules, un-ignored folders included', async () => {
    const d = await launch([], {}, async (p) => {
      await writeFile(p.path('.gitignore'), 'gen/\n');
      await p.write('gen/routes.js');
      await p.write('src/lib/cache.js');
    });
    // Un-ignores gen/ (never read so far) and ignores *.tmp.
    await writeFile(project.path('.gitignore'), '*.tmp\n');
    await project.write('src/app.js');
    await d.waitFor(ready, 2);
    expect(changedAt(2)).toEqual(['src/app.js']);
    await project.write('src/scratch.tmp');
    await project.write('gen/routes.js');
    await d.waitFor(ready, 3);
    expect(changedAt(3)).toEqual(['gen/routes.js']);

    await writeFile(project.path('src/lib/.gitignore'), 'cache.js\n');
    await project.write('src/app.js');
    await d.waitFor(ready, 4);
    expect(changedAt(4)).toEqual(['src/app.js']);
    await project.write('src/lib/cache.js');
    await project.write('src/lib/other.js');
    await d.waitFor(ready, 5);
    expect(changedAt(5)).toEqual(['src/lib/other.js']);
    await unlink(project.path('src/lib/.gitignore'));
    await project.write('src/app.js');
    await d.waitFor(ready, 6);
    expect(changedAt(6)).toEqual(['src/app.js']);
    expect(starts(project)).toBe(6);
  });

  it('25 files written by a shell loop, one process per write, give one restart', async () => {
    project = await Project.create();
    const files = Array.from({ length: 25 }, (_, i) => project.path(`src/gen/f${i}.js`));
    for (const file of files) await project.write(path.relative(project.dir, file), '0\n');
    devreload = new Devreload(['--json', '--watch', 'src', '--', 'node', serverFixture], { cwd: project.dir, env: { APP_RECORD: project.record } });
    const d = devreload;
    await d.waitFor(/"event":"watching"/);
    const restarts = () => d.stdout.split('\n').filter((line) => line.includes('"event":"restart"')).map((line) => JSON.parse(line) as { paths: string[]; count: number });
    // A first restart, so the loop meets a watcher that has settled after its initial scan. Saved
    // atomically (one event): an in-place write's second event, late on a loaded machine, would
    // be folded into the loop's restart (26 files, seen in CI).
    await project.save('src/app.js');
    await waitUntil(() => restarts().length === 1, { describe: () => d.output });
    await promisify(execFile)('sh', ['-c', 'for f in "$@"; do touch "$f"; done', 'sh', ...files]);
    await waitUntil(() => restarts().length >= 2, { describe: () => d.output });
    // A sentinel after the loop: the next restart is its own, so the loop left none queued.
    await project.save('src/app.js');
    await waitUntil(() => restarts().length >= 3, { describe: () => d.output });
    expect(restarts().map((r) => r.count)).toEqual([1, 25, 1]);
    expect(restarts()[2]?.paths).toEqual(['src/app.js']);
  });
});
