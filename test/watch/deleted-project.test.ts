import { spawn } from 'node:child_process';
import { readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { WatchFixture, put, tree } from './watch-harness.js';
import { waitUntil } from '../wait.js';

const fixture = new WatchFixture();
afterEach(() => fixture.dispose());

const distWatcher = fileURLToPath(new URL('../../dist/watch/watcher.js', import.meta.url));

/** The inodes this process's inotify instances watch (Linux: /proc/self/fdinfo). */
function watchedInodes(): Set<number> {
  const inodes = new Set<number>();
  for (const fd of readdirSync('/proc/self/fdinfo')) {
    let info = '';
    try {
      info = readFileSync(`/proc/self/fdinfo/${fd}`, 'utf8');
    } catch {
      continue;
    }
    for (const match of info.matchAll(/^inotify wd:\S+ ino:([0-9a-f]+)/gm)) inodes.add(Number.parseInt(match[1] ?? '', 16));
  }
  return inodes;
}

/** The inodes watched, `parent`'s named: for assertions and for a failure's message. */
function describeWatched(parent: string): string {
  const parentInode = statSync(parent).ino;
  return [...watchedInodes()].map((inode) => (inode === parentInode ? `${inode} (parent)` : String(inode))).join(', ');
}

describe.runIf(process.platform === 'linux')('watcher: a deleted project folder', () => {
  it('is waited for without watching its parent (chokidar would climb to it), and watched again when it is back', async () => {
    const parent = await fixture.tempDir();
    const project = path.join(parent, 'project');
    await tree(project, ['src/app.ts', '.env', '.gitignore']);
    await mkdir(path.join(project, '.git'));
    const src = path.join(project, 'src');
    const env = path.join(project, '.env');
    // src's rules include project/.gitignore, outside every watched path: watched on its own.
    const session = fixture.start({ paths: [src, env], cwd: project });
    await session.watcher.ready;
    expect(describeWatched(parent)).not.toContain('(parent)');

    // All gone before chokidar hears of it, as `rm -rf` from a shell does: chokidar then finds
    // no folder to watch .gitignore's return from, and climbed to the nearest one that exists.
    rmSync(project, { recursive: true });
    await session.waitForPath(src, 'unlinkDir');
    await session.waitForPath(env, 'unlink');
    // The deleted .gitignore was taken in (the rules re-read, a while after its unlink), and
    // nothing is left to watch: each path is waited for by a stat now. chokidar's climb went on
    // from the .gitignore to the nearest folder left, `parent`, and stayed there.
    await session.waitForRules(1);
    await waitUntil(() => watchedInodes().size === 0, { describe: () => `no inotify watch left; watched: ${describeWatched(parent)}` });
    // Back, as a `git clone` would bring it.
    await tree(project, ['src/app.ts', '.env']);
    await session.waitForPath(path.join(src, 'app.ts'), 'add');
    await session.waitFor((c) => c.path === env && c.kind !== 'unlink', 'the .env back');
    expect(describeWatched(parent)).not.toContain('(parent)');

    // Really watched again, not just reported once.
    const before = session.changesOf(path.join(src, 'app.ts')).length;
    await put(path.join(src, 'app.ts'), 'edited\n');
    await session.waitFor(() => session.changesOf(path.join(src, 'app.ts')).length > before, 'an edit of src/app.ts');
  });

  it('a watched path missing at start (deleted after the options check) is watched once it exists, its folder never', async () => {
    const parent = await fixture.tempDir();
    const dist = path.join(parent, 'dist');
    // No .gitignore rules: their own watch looks for parent/.gitignore, in parent.
    const session = fixture.start({ paths: [dist], cwd: parent, gitignore: false });
    await session.watcher.ready;
    await tree(dist, ['server.js']);
    await session.waitForPath(path.join(dist, 'server.js'), 'add');
    expect(describeWatched(parent)).not.toContain('(parent)');
    const before = session.changesOf(path.join(dist, 'server.js')).length;
    await writeFile(path.join(dist, 'server.js'), 'edited\n');
    await session.waitFor(() => session.changesOf(path.join(dist, 'server.js')).length > before, 'an edit of dist/server.js');
  });

  it('a watcher closed while deleted folders are being reported lets its process exit (chokidar re-opened itself on the folder around them)', async () => {
    const parent = await fixture.tempDir();
    // Closed on the first change, while chokidar still stats the other deleted files: what a
    // shutdown (Ctrl-C, then the folder removed) does. The process must end by itself; chokidar
    // re-opened itself to watch `project` for one of those files' return, and never let go.
    const script = `
      import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
      import { createWatcher } from ${JSON.stringify(distWatcher)};
      const project = ${JSON.stringify(path.join(parent, 'project'))};
      for (const folder of ['src', 'lib']) {
        mkdirSync(project + '/' + folder, { recursive: true });
        for (let i = 0; i < 20; i++) writeFileSync(project + '/' + folder + '/f' + i + '.js', '');
      }
      const watcher = createWatcher({ paths: [project], cwd: project });
      await watcher.ready;
      watcher.on('change', () => void watcher.close().then(() => console.log('closed')));
      rmSync(project + '/src', { recursive: true });
      rmSync(project + '/lib', { recursive: true });
    `;
    const child = spawn(process.execPath, ['--input-type=module', '-e', script], { stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    // Generous: this is a hang check, not a measure of speed.
    const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
    const code = await exited.finally(() => clearTimeout(timer));
    // code null: it still ran after 15 s and was killed.
    expect({ code, output }).toEqual({ code: 0, output: expect.stringContaining('closed') });
  });
});
