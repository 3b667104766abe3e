import { statfs } from 'node:fs/promises';
import path from 'node:path';

/**
 * File systems whose changes made elsewhere send no file events here. inotify hooks the local
 * kernel's file operations: a write through this machine's own mount is reported on any file
 * system, but a write made by another kernel (the host of a container or VM, another computer)
 * never passes through it. So a probe write by devreload would always be seen and prove nothing;
 * the file system's type is what tells. Keys are Linux's statfs f_type magic numbers
 * (include/uapi/linux/magic.h and the file systems' own sources).
 */
const EVENTLESS_TYPES: ReadonlyMap<number, string> = new Map([
  [0x6969, 'NFS'],
  [0xff534d42, 'CIFS'],
  [0xfe534d42, 'SMB'],
  [0x517b, 'SMB'],
  // WSL 2's Windows drives (/mnt/c), QEMU, Lima and Podman machine shares.
  [0x01021997, '9p'],
  // sshfs, virtiofs (Docker Desktop, Lima, Podman: virtiofs reports FUSE's magic), rclone,
  // gcsfuse, bindfs. Some of them (Docker Desktop's) forward the host's events: hence "may".
  [0x65735546, 'FUSE'],
  // VirtualBox shared folders (Vagrant's default).
  [0x786f4256, 'vboxsf'],
  [0x00c36400, 'Ceph'],
  [0x5346414f, 'AFS'],
  [0x0bd00bd0, 'Lustre'],
]);

export interface EventlessRoot {
  readonly root: string;
  /** The file system's name, as the warning says it. */
  readonly type: string;
}

export interface EventlessProbe {
  /** fs.promises.statfs by default; `type` is f_type on Linux. */
  statfs?: (target: string) => Promise<{ type: number }>;
  platform?: NodeJS.Platform;
}

/**
 * The watched roots that live on a file system in EVENTLESS_TYPES. Linux only: elsewhere f_type
 * numbers mean other things (macOS numbers them per boot). A root statfs fails on (gone,
 * unreadable) is left out: the watcher reports what is wrong with it.
 */
export async function eventlessRoots(roots: readonly string[], probe: EventlessProbe = {}): Promise<EventlessRoot[]> {
  if ((probe.platform ?? process.platform) !== 'linux') return [];
  const read = probe.statfs ?? statfs;
  const found = await Promise.all(
    roots.map(async (root) => {
      const type = await read(root).then((stats) => EVENTLESS_TYPES.get(stats.type), () => undefined);
      return type === undefined ? [] : [{ root, type }];
    }),
  );
  return found.flat();
}

/** The one line devreload says about them (relative to `cwd`), with what to do; undefined for none. */
export function eventlessWarning(found: readonly EventlessRoot[], cwd: string): Error | undefined {
  if (found.length === 0) return undefined;
  const roots = found.map((entry) => path.relative(cwd, entry.root) || '.');
  const types = [...new Set(found.map((entry) => entry.type))];
  const where = `${roots.join(', ')} ${roots.length === 1 ? 'is on a shared or network mount' : 'are on shared or network mounts'} (${types.join(', ')})`;
  return new Error(
    `${where}: changes made outside this machine (the host of a container or VM, another computer) may send no file events here, ` +
      'and then a save would not restart the app. If so, run with --poll.',
  );
}

/** The warning for `roots`, or undefined; nothing is checked when the watcher polls anyway. */
export async function checkEventless(roots: readonly string[], cwd: string, poll: number | undefined, probe?: EventlessProbe): Promise<Error | undefined> {
  if (poll !== undefined) return undefined;
  return eventlessWarning(await eventlessRoots(roots, probe), cwd);
}
