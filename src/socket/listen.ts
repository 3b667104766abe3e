import { spawn } from 'node:child_process';
import { lookup } from 'node:dns/promises';
import { fstatSync } from 'node:fs';
import net from 'node:net';
import { getSystemErrorName } from 'node:util';
import { DevreloadError, isErrnoException } from '../errors.js';
import { defaultSocketHost, formatSocketSpec, type SocketSpec } from '../options/socket.js';
import { describeHolders, findPortHolders } from './holder.js';
import { noticeDirPath, removeNoticeDir, sweepStaleNoticeDirs } from './notice-dir.js';
import { socketBacklog } from '../tuning.js';

/** A socket devreload bound and put in the listening state; it lives as long as devreload. */
export interface ListeningSocket {
  /** What was asked for (`--socket`). */
  readonly spec: SocketSpec;
  /** The bound address: 127.0.0.1 when no host was given (defaultSocketHost), `0.0.0.0`, `::`, … */
  readonly address: string;
  /** The bound port (the asked one, unless 0 asked for a free one). */
  readonly port: number;
  /** devreload's own descriptor: pass it to every instance (InstanceSpec.fds). */
  readonly fd: number;
  /** The socket's inode, by which the preload recognises it; 0 where the OS reports none. */
  readonly inode: number;
  /** How messages name the option: `--socket` (CLI) or `socket` (API). */
  readonly option: string;
  /**
   * This run's directory (shared by the set, created by the first preload that needs it,
   * removed by close()) where the preload marks each host mismatch it reported: a mismatch is
   * said once per devreload run, not once per restart (see preload.cts).
   */
  readonly noticeDir: string;
}

export interface SocketSet {
  readonly sockets: readonly ListeningSocket[];
  /** Closes devreload's descriptors (connections still queued are reset) and removes noticeDir. Idempotent. */
  close(): void;
}

export interface ListenSocketsOptions {
  /** How errors name the option: `--socket` (CLI, default) or `socket` (API). */
  option?: string;
}

const backlog = socketBacklog;

interface TcpHandle {
  readonly fd: number;
  /** libuv defers a bind's EADDRINUSE: it comes back here (and from listen) as a negative errno. */
  getsockname(out: { address?: string; family?: string; port?: number }): number;
  close(): void;
}
type CreateServerHandle = (address: string | undefined, port: number, addressType: number) => TcpHandle | number;

/**
 * Binds every spec once and makes each socket listen, without devreload ever accepting a
 * connection: every connection waits in the kernel's queue until an instance accepts it.
 * Throws DevreloadError naming the option, the address and (when found) the pid holding the port.
 */
export async function listenSockets(specs: readonly SocketSpec[], options: ListenSocketsOptions = {}): Promise<SocketSet> {
  const option = options.option ?? '--socket';
  const noticeDir = noticeDirPath();
  // Not awaited: nothing here waits for it, and it never fails.
  void sweepStaleNoticeDirs();
  const handles: TcpHandle[] = [];
  const close = (): void => {
    for (const handle of handles.splice(0)) handle.close();
    removeNoticeDir(noticeDir);
  };
  try {
    const sockets: ListeningSocket[] = [];
    for (const spec of specs) {
      const { handle, socket } = await bind(spec, option, noticeDir);
      handles.push(handle);
      sockets.push(socket);
    }
    await listenInHelper(sockets, option);
    return { sockets, close };
  } catch (error) {
    close();
    throw error;
  }
}

async function bind(spec: SocketSpec, option: string, noticeDir: string): Promise<{ handle: TcpHandle; socket: ListeningSocket }> {
  const createServerHandle = (net as unknown as { _createServerHandle?: CreateServerHandle })._createServerHandle;
  if (typeof createServerHandle !== 'function') {
    throw new Error(`${option} needs net._createServerHandle, which Node.js ${process.version} does not have`);
  }
  const where = `${option} ${formatSocketSpec(spec)}`;
  const target = await resolveHost(spec, where);
  // Not net.Server#listen: its libuv watcher would accept connections in devreload itself.
  const created = createServerHandle(target.address, spec.port, target.family);
  if (typeof created === 'number') throw await bindError(getSystemErrorName(created), spec, where);
  const bound: { address?: string; family?: string; port?: number } = {};
  const status = created.getsockname(bound);
  if (status !== 0 || bound.address === undefined || bound.port === undefined) {
    created.close();
    throw await bindError(status !== 0 ? getSystemErrorName(status) : 'EINVAL', spec, where);
  }
  const socket: ListeningSocket = {
    spec,
    address: bound.address,
    port: bound.port,
    fd: created.fd,
    inode: fstatSync(created.fd).ino,
    option,
    noticeDir,
  };
  return { handle: created, socket };
}

async function resolveHost(spec: SocketSpec, where: string): Promise<{ address: string; family: 4 | 6 }> {
  // Not the resolver's pick for `localhost` (::1 first on many systems): the default, which every
  // system's localhost includes.
  if (spec.host === undefined || spec.host.toLowerCase() === 'localhost') return { address: defaultSocketHost, family: 4 };
  const literal = net.isIP(spec.host);
  if (literal !== 0) return { address: spec.host, family: literal === 6 ? 6 : 4 };
  try {
    const { address, family } = await lookup(spec.host);
    return { address, family: family === 6 ? 6 : 4 };
  } catch (error) {
    const code = isErrnoException(error) ? error.code : String(error);
    throw new DevreloadError(`${where}: cannot resolve host "${spec.host}" (${code}); use an IP address or a known host name`);
  }
}

async function bindError(code: string, spec: SocketSpec, where: string): Promise<Error> {
  switch (code) {
    case 'EADDRINUSE': {
      const holders = describeHolders(await findPortHolders(spec.port));
      const by = holders === undefined ? '' : ` by ${holders}`;
      return new DevreloadError(`${where}: port ${spec.port} is already in use${by}; stop it or choose another port`);
    }
    case 'EACCES':
      return new DevreloadError(`${where}: permission denied for port ${spec.port} (ports below 1024 need privileges); choose a port above 1023`);
    case 'EADDRNOTAVAIL':
      return new DevreloadError(`${where}: ${spec.host ?? 'the address'} is not an address of this machine; leave the host out for loopback only, or give 0.0.0.0 for every interface`);
    default:
      return new DevreloadError(`${where}: cannot bind the socket (${code})`);
  }
}

// Runs in a throwaway Node process that inherited the bound sockets as fd 3, 4, …: listen(2)
// on each, then exit from the 'listening' callback. Callbacks run on process.nextTick, before
// the event loop ever polls, so the helper never accepts a connection.
const helperScript = `
const net = require('net');
const count = Number(process.argv[1]);
let left = count;
for (let i = 0; i < count; i++) {
  net.createServer()
    .on('error', (e) => { process.stderr.write(i + ' ' + (e.code || e.message)); process.exit(1); })
    .listen({ fd: 3 + i, backlog: Number(process.argv[2]) }, () => { if (--left === 0) process.exit(0); });
}`;

async function listenInHelper(sockets: readonly ListeningSocket[], option: string): Promise<void> {
  if (sockets.length === 0) return;
  const env = { ...process.env };
  // A debugger's bootloader must not attach to (and slow down) this helper.
  delete env.NODE_OPTIONS;
  const child = spawn(process.execPath, ['-e', helperScript, String(sockets.length), String(backlog)], {
    stdio: ['ignore', 'ignore', 'pipe', ...sockets.map((s) => s.fd)],
    env,
  });
  let stderr = '';
  child.stderr?.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  const code = await new Promise<number | null>((resolve, reject) => {
    child.once('error', reject);
    child.once('close', (exitCode) => resolve(exitCode));
  });
  if (code === 0) return;
  // Another process may have started listening on the port between our bind and the listen.
  const [index, errorCode] = stderr.trim().split(' ');
  const failed = sockets[Number(index)];
  if (failed !== undefined && errorCode !== undefined) throw await bindError(errorCode, failed.spec, `${option} ${formatSocketSpec(failed.spec)}`);
  throw new Error(`${option}: could not make the sockets listen (helper exited with ${String(code)}): ${stderr.trim()}`);
}
