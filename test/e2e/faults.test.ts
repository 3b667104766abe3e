import { skipInPass } from '../pass.js';
import { chmod, mkdir, rm, symlink, unlink, writeFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { canRun, disposeAfterEach, Devreload, devreloadBin, Project, serverFixture, waitUntil } from './harness.js';

disposeAfterEach();

const ready = /\] ready\b/;

async function launch(args: string[], prepare?: (p: Project) => Promise<void>): Promise<{ d: Devreload; p: Project }> {
  const p = await Project.create();
  await prepare?.(p);
  const d = new Devreload([...args, '--', 'node', serverFixture], { cwd: p.dir, env: { APP_RECORD: p.record } });
  await d.waitFor(/\[devreload\] watching/);
  await d.waitFor(ready);
  return { d, p };
}

function changedAt(p: Project, n: number): string[] {
  return JSON.parse(p.entries('start')[n - 1]?.changed ?? 'null') as string[];
}

describe('file-system faults', () => {
  it('the watched directory deleted and re-created: watching resumes', async () => {
    const { d, p } = await launch(['--watch', 'src']);
    await rm(p.path('src'), { recursive: true });
    await d.waitFor(ready, 2);
    await mkdir(p.path('src'));
    await p.write('src/back.js');
    await d.waitFor(ready, 3);
    await p.write('src/back.js');
    await d.waitFor(ready, 4);
    expect(changedAt(p, 4)).toEqual(['src/back.js']);
  });

  it('a file replaced by a directory, and files inside it, all restart', async () => {
    const { d, p } = await launch(['--watch', 'src']);
    await unlink(p.path('src/app.js'));
    await mkdir(p.path('src/app.js'));
    await d.waitFor(ready, 2);
    await p.write('src/app.js/inner.js');
    const sawInner = () => p.entries('start').filter((e) => (JSON.parse(e.changed ?? '[]') as string[]).includes('src/app.js/inner.js')).length;
    await waitUntil(() => sawInner() === 1, { describe: () => d.output });
    await p.write('src/app.js/inner.js');
    await waitUntil(() => sawInner() === 2, { describe: () => d.output });
  });

  it('a symlink loop does not hang start-up or watching', async () => {
    const { d, p } = await launch(['--watch', 'src'], async (q) => {
      await mkdir(q.path('src/loop'));
      await symlink('..', q.path('src/loop/up'));
      await symlink('self', q.path('src/self'));
    });
    await p.write('src/app.js');
    await d.waitFor(ready, 2);
    expect(changedAt(p, 2)).toEqual(['src/app.js']);
    expect(d.output).not.toMatch(/ELOOP|loop\/up/);
  });

  it('a file that vanishes between its event and its handling changes nothing for the worse', async () => {
    const { d, p } = await launch(['--watch', 'src']);
    for (let i = 0; i < 20; i++) {
      await writeFile(p.path(`src/flash-${i}.js`), 'x');
      await unlink(p.path(`src/flash-${i}.js`));
    }
    await p.write('src/sentinel.js');
    await d.waitFor(/\] ready\b/, 2);
    await new Promise((resolve) => setImmediate(resolve));
    expect(d.alive).toBe(true);
    expect(d.stderr).not.toMatch(/error/i);
    const last = p.entries('start').at(-1)!;
    expect(JSON.parse(last.changed ?? '[]')).toContain('src/sentinel.js');
  });

  it('file names with spaces, quotes, $() and ; are just names (no shell anywhere)', async () => {
    const { d, p } = await launch(['--watch', 'src']);
    const name = `src/a b "c" 'd' $(touch pwned); e.js`;
    await p.write(name);
    await d.waitFor(ready, 2);
    expect(changedAt(p, 2)).toEqual([name]);
    expect(d.stderr).toContain(`restarting: ${name} changed`);
  });
});

describe('an unreadable watched subdirectory', () => {
  // Needs `unshare` (util-linux) and user namespaces the kernel lets us create.
  it.skipIf(!canRun(['unshare', '--user', 'true']))('is warned about once and skipped; everything else keeps working (needs unshare --user)', async (context) => {
    skipInPass(context, { polling: 'a known limit: while polling, chokidar reports no error for a folder it may not read, so nothing is said about it' });
    const p = await Project.create();
      await mkdir(p.path('src/secret'));
    await p.write('src/secret/key.js');
    await chmod(p.path('src/secret'), 0o000);
    // Root reads everything: run devreload as an unprivileged user (a user namespace maps
    // us to nobody), with the project readable by others except the locked folder.
    await chmod(p.dir, 0o755);
    await chmod(p.path('src'), 0o777);
    const d = new Devreload([], {
      cwd: p.dir,
      env: { APP_RECORD: p.record },
      program: ['unshare', '--user', process.execPath, devreloadBin, '--watch', 'src', '--', 'node', serverFixture],
    });
      await d.waitFor(/\[devreload\] watching/);
    await d.waitFor(ready);
    await p.write('src/app.js');
    await d.waitFor(ready, 2);
    await p.write('src/app.js');
    await d.waitFor(ready, 3);
    expect(d.count(/secret/)).toBe(1);
    expect(d.stderr).toMatch(/cannot read src\/secret/i);
    await chmod(p.path('src/secret'), 0o755);
  });
});
