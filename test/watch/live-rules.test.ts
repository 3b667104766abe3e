import { copyFile, mkdir, mkdtemp, rm, utimes, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { IgnoreRules } from '../../src/watch/ignore-rules.js';
import { LiveRules } from '../../src/watch/live-rules.js';
import { mtimeSlackMs } from '../../src/tuning.js';

// When a .gitignore edit un-ignores a folder, chokidar may report what was in it all along as
// `add`/`addDir` (a re-read of the parent that began under the old rules). Those are discoveries,
// not changes; what is created, copied or moved there afterwards is a change.

let dir: string;
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** Rules whose next reload un-ignores `unignored`, at `offsetMs` from now (wall clock). */
function liveRules(unignored: string[], offsetMs: number): LiveRules {
  const rules = { reloadGitignore: () => unignored } as unknown as IgnoreRules;
  return new LiveRules({ rules, rootOf: () => undefined, isIgnored: () => false, isLive: () => false, announce: () => undefined, wall: () => Date.now() + offsetMs });
}

// Further from the files' times than the mtime slack, either way.
const apart = 10 * mtimeSlackMs;

describe('LiveRules.isDiscovery', () => {
  it('is true for what was in an un-ignored folder before the rules changed, and only there', async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'devreload-live-rules-'));
    const gen = path.join(dir, 'gen');
    await mkdir(path.join(gen, 'sub'), { recursive: true });
    await writeFile(path.join(gen, 'a.js'), 'a');
    await writeFile(path.join(gen, 'sub/b.js'), 'b');
    await writeFile(path.join(dir, 'outside.js'), 'o');
    // The rules change after everything was written.
    const live = liveRules([gen], apart);
    expect(live.isDiscovery(path.join(gen, 'a.js')), 'before any rule change').toBe(false);
    live.reload(path.join(dir, '.gitignore'));
    for (const found of [gen, path.join(gen, 'a.js'), path.join(gen, 'sub'), path.join(gen, 'sub/b.js')]) expect(live.isDiscovery(found), found).toBe(true);
    expect(live.isDiscovery(path.join(dir, 'outside.js'))).toBe(false);
    expect(live.isDiscovery(path.join(dir, 'generated.js')), 'a sibling whose name starts the same').toBe(false);
    expect(live.isDiscovery(path.join(gen, 'gone.js')), 'a path that does not exist').toBe(false);
  });

  it('is false for a file created, copied with its old times (cp -p), or rewritten after the rules changed', async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'devreload-live-rules-'));
    const gen = path.join(dir, 'gen');
    await mkdir(gen);
    await writeFile(path.join(gen, 'old.js'), 'old');
    await writeFile(path.join(dir, 'template.js'), 't');
    const old = new Date(Date.now() - 60_000);
    await utimes(path.join(dir, 'template.js'), old, old);
    // The rules changed before what follows was written.
    const live = liveRules([gen], -apart);
    live.reload(path.join(dir, '.gitignore'));
    await writeFile(path.join(gen, 'new.js'), 'new');
    await copyFile(path.join(dir, 'template.js'), path.join(gen, 'copied.js'));
    await utimes(path.join(gen, 'copied.js'), old, old);
    await writeFile(path.join(gen, 'old.js'), 'rewritten');
    expect(live.isDiscovery(path.join(gen, 'new.js'))).toBe(false);
    expect(live.isDiscovery(path.join(gen, 'copied.js'))).toBe(false);
    expect(live.isDiscovery(path.join(gen, 'old.js'))).toBe(false);
    // The folder itself changed (entries added): its own event is a change too.
    expect(live.isDiscovery(gen)).toBe(false);
  });
});
