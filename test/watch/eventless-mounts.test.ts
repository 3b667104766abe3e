import os from 'node:os';
import { describe, expect, it } from 'vitest';
import { checkEventless, eventlessRoots, eventlessWarning } from '../../src/watch/eventless-mounts.js';

// Which watched roots are on a mount whose changes made elsewhere send no events (the real FUSE
// mount is in test/e2e/eventless-mount.test.ts). statfs is injected here: 9p, NFS or SMB cannot
// be mounted on a test machine.

const magic: Record<string, number> = {
  '/p/wsl': 0x01021997,
  '/p/nfs': 0x6969,
  '/p/cifs': 0xff534d42,
  '/p/smb2': 0xfe534d42,
  '/p/fuse': 0x65735546,
  '/p/vbox': 0x786f4256,
  '/p/ext4': 0xef53,
  '/p/tmpfs': 0x01021994,
  '/p/overlay': 0x794c7630,
  '/p/btrfs': 0x9123683e,
};
const statfs = async (target: string) => {
  const type = magic[target];
  if (type === undefined) throw Object.assign(new Error(`ENOENT: ${target}`), { code: 'ENOENT' });
  return { type };
};
const linux = { statfs, platform: 'linux' as const };

describe('eventlessRoots', () => {
  it('finds 9p, NFS, CIFS/SMB, FUSE and vboxsf roots, and none of the local file systems', async () => {
    expect(await eventlessRoots(Object.keys(magic), linux)).toEqual([
      { root: '/p/wsl', type: '9p' },
      { root: '/p/nfs', type: 'NFS' },
      { root: '/p/cifs', type: 'CIFS' },
      { root: '/p/smb2', type: 'SMB' },
      { root: '/p/fuse', type: 'FUSE' },
      { root: '/p/vbox', type: 'vboxsf' },
    ]);
  });

  it('leaves out a root statfs fails on, and says nothing off Linux (f_type means other things there)', async () => {
    expect(await eventlessRoots(['/p/gone', '/p/ext4'], linux)).toEqual([]);
    expect(await eventlessRoots(['/p/nfs'], { statfs, platform: 'darwin' })).toEqual([]);
  });

  it.skipIf(process.platform !== 'linux')('the real statfs of the temp folder: a local file system', async () => {
    expect(await eventlessRoots([os.tmpdir()])).toEqual([]);
  });
});

describe('the warning', () => {
  it('names the roots relative to the project and the file system, with the --poll hint', () => {
    expect(eventlessWarning([{ root: '/work/app/src', type: '9p' }], '/work/app')?.message).toBe(
      'src is on a shared or network mount (9p): changes made outside this machine (the host of a container or VM, another computer) may send no file events here, ' +
        'and then a save would not restart the app. If so, run with --poll.',
    );
    expect(eventlessWarning([{ root: '/work/app/src', type: 'NFS' }, { root: '/work/app', type: 'FUSE' }, { root: '/work/lib', type: 'NFS' }], '/work/app')?.message).toMatch(
      /^src, \., \.\.\/lib are on shared or network mounts \(NFS, FUSE\): /,
    );
    expect(eventlessWarning([], '/work/app')).toBeUndefined();
  });

  it('is not looked for when the watcher polls', async () => {
    expect((await checkEventless(['/p/nfs'], '/p', undefined, linux))?.message).toMatch(/^nfs is on a shared or network mount \(NFS\)/);
    expect(await checkEventless(['/p/nfs'], '/p', 100, linux)).toBeUndefined();
  });
});
