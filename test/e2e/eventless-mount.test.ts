import { spawnSync } from 'node:child_process';
import { mkdir, rm, writeFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { skipInPass } from '../pass.js';
import { canRun, disposeAfterEach, Devreload, devreloadBin, Project, serverFixture, starts, waitUntil } from './harness.js';

// Issue 24, item 3: a watched folder on a mount whose changes made elsewhere send no file events
// (a folder shared from a container's or VM's host, a network drive). A real one: bindfs (FUSE)
// mounts the project's `backing/` on `src/` in a private mount namespace; a write to `backing/`
// is the host's save, made beside the mount, and sends no inotify event on `src/`.

disposeAfterEach();

const warning = /src is on a shared or network mount \(FUSE\): changes made outside this machine .* may send no file events here, and then a save would not restart the app\. If so, run with --poll\./;
const ready = /\] ready\b/;

// Mounts $1 on $2 with bindfs in the foreground (a child of this sh, so of devreload once it is
// exec'd: in the test's process group, gone with it), waits until the mount is there, runs the rest.
const mountThen =
  'bindfs -f "$1" "$2" & i=0; until [ "$(stat -f -c %t "$2")" = 65735546 ]; do i=$((i+1)); [ $i -gt 200 ] && exit 97; sleep 0.05; done; shift 2; exec "$@"';
const inNamespace = ['unshare', '--user', '--map-root-user', '--mount', 'sh', '-c', mountThen, 'sh'];

/** bindfs is installed and FUSE mounts work in a user namespace here. */
function canMountFuse(): boolean {
  if (!canRun(['sh', '-c', 'command -v bindfs'])) return false;
  const script = 'd=$(mktemp -d) && mkdir "$d/a" "$d/b" && bindfs "$d/a" "$d/b" && stat -f -c %t "$d/b"; s=$?; umount "$d/b" 2>/dev/null; rm -rf "$d"; exit $s';
  const probe = spawnSync('unshare', ['--user', '--map-root-user', '--mount', 'sh', '-c', script], { encoding: 'utf8', timeout: 10_000 });
  return probe.status === 0 && probe.stdout.trim() === '65735546';
}
const fuse = process.platform === 'linux' && canMountFuse();

async function launchOnMount(args: string[]): Promise<{ d: Devreload; project: Project }> {
  const project = await Project.create();
  // The mount point must be empty; the app's file is in what is mounted on it.
  await rm(project.path('src'), { recursive: true });
  await mkdir(project.path('src'));
  await mkdir(project.path('backing'));
  await writeFile(project.path('backing/app.js'), 'export const version = 0;\n');
  const d = new Devreload([], {
    cwd: project.dir,
    env: { APP_RECORD: project.record },
    program: [...inNamespace, project.path('backing'), project.path('src'), process.execPath, devreloadBin, '--watch', 'src', ...args, '--', 'node', serverFixture],
  });
  await d.waitFor(ready);
  await d.waitFor(/\[devreload\] watching/);
  return { d, project };
}

describe('a watched folder on a mount that sends no events for changes made elsewhere', () => {
  it.skipIf(!fuse)('is said once, before watching starts, with the --poll hint (needs bindfs, FUSE and unshare --user --mount)', async (context) => {
    skipInPass(context, { polling: 'the warning is for native watching; polling sees these changes (the --poll test below)' });
    const { d } = await launchOnMount([]);
    expect(d.stderr, d.output).toMatch(warning);
    expect(d.stderr.indexOf('may send no file events')).toBeLessThan(d.stderr.indexOf('[devreload] watching'));
    // Said once per run, not per instance.
    d.type('rs\n');
    await d.waitFor(ready, 2);
    expect(d.count(/may send no file events/)).toBe(1);
  });

  it.skipIf(!fuse)('--poll: nothing is said, and a change made beside the mount restarts the app (needs bindfs, FUSE and unshare --user --mount)', async () => {
    const { d, project } = await launchOnMount(['--poll', '50']);
    await writeFile(project.path('backing/app.js'), 'export const version = 2;\n');
    await waitUntil(() => starts(project) >= 2, { describe: () => d.output });
    expect(d.stderr).not.toMatch(/may send no file events/);
  });

  it('an ordinary folder: nothing is said', async () => {
    const project = await Project.create();
    const d = new Devreload(['--watch', 'src', '--', 'node', serverFixture], { cwd: project.dir, env: { APP_RECORD: project.record } });
    // The warning comes before this line when it comes at all.
    await d.waitFor(/\[devreload\] watching/);
    expect(d.stderr).not.toMatch(/may send no file events/);
  });
});
