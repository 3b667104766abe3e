import { execFile } from 'node:child_process';
import { readdir, readFile, readlink } from 'node:fs/promises';
import { readTcpTable, TCP_LISTEN } from './proc-net.js';

/** A process that listens on a port devreload wanted. */
export interface PortHolder {
  readonly pid: number;
  /** Its command line, shortened; undefined when it could not be read. */
  readonly command?: string;
}

const maxCommandLength = 80;

/**
 * Who listens on `port`: on Linux from /proc/net/tcp{,6} and the socket inodes in
 * /proc/<pid>/fd, elsewhere from `lsof`. Best effort: processes of other users stay
 * invisible without privileges, and any failure yields an empty list.
 */
export async function findPortHolders(port: number): Promise<PortHolder[]> {
  try {
    const table = await readTcpTable();
    if (table === undefined) return await fromLsof(port);
    const inodes = new Set(table.filter((e) => e.state === TCP_LISTEN && e.localPort === port && e.inode !== 0).map((e) => `socket:[${e.inode}]`));
    if (inodes.size === 0) return [];
    return await fromProc(inodes);
  } catch {
    return [];
  }
}

async function fromProc(sockets: ReadonlySet<string>): Promise<PortHolder[]> {
  const pids = (await readdir('/proc')).filter((name) => /^\d+$/.test(name)).map(Number);
  const holders = await Promise.all(pids.map(async (pid) => ((await holdsAny(pid, sockets)) ? pid : undefined)));
  const found = holders.filter((pid): pid is number => pid !== undefined);
  return Promise.all(found.map(async (pid) => withCommand(pid, await commandOf(pid))));
}

async function holdsAny(pid: number, sockets: ReadonlySet<string>): Promise<boolean> {
  // EACCES (another user's process) and ENOENT (it just exited) mean "not found here".
  const fds = await readdir(`/proc/${pid}/fd`).catch(() => []);
  for (const fd of fds) {
    const target = await readlink(`/proc/${pid}/fd/${fd}`).catch(() => '');
    if (sockets.has(target)) return true;
  }
  return false;
}

async function commandOf(pid: number): Promise<string | undefined> {
  const raw = await readFile(`/proc/${pid}/cmdline`, 'utf8').catch(() => '');
  const command = raw.split('\0').filter((part) => part !== '').join(' ');
  return command === '' ? undefined : shorten(command);
}

function fromLsof(port: number): Promise<PortHolder[]> {
  return new Promise((resolve) => {
    execFile('lsof', ['-nP', `-iTCP:${port}`, '-sTCP:LISTEN', '-Fpc'], { timeout: 3000 }, (error, stdout) => {
      // lsof exits 1 when nothing matched; ENOENT when it is not installed.
      if (error !== null && stdout === '') return resolve([]);
      const holders: PortHolder[] = [];
      let pid: number | undefined;
      for (const line of stdout.split('\n')) {
        if (line.startsWith('p')) {
          pid = Number(line.slice(1));
          holders.push({ pid });
        } else if (line.startsWith('c') && pid !== undefined) {
          holders[holders.length - 1] = withCommand(pid, shorten(line.slice(1)));
        }
      }
      resolve(holders);
    });
  });
}

function withCommand(pid: number, command: string | undefined): PortHolder {
  return command === undefined ? { pid } : { pid, command };
}

function shorten(command: string): string {
  return command.length <= maxCommandLength ? command : `${command.slice(0, maxCommandLength - 1)}…`;
}

/** `pid 123 (node server.js)`, `pids 1, 2`: how holders read in an error message. */
export function describeHolders(holders: readonly PortHolder[]): string | undefined {
  if (holders.length === 0) return undefined;
  const [first] = holders;
  if (holders.length === 1 && first !== undefined) return `pid ${first.pid}${first.command === undefined ? '' : ` (${first.command})`}`;
  return `pids ${holders.map((h) => h.pid).join(', ')}`;
}
