import { assetPath } from '../assets.js';
import { formatSocketSpec } from '../options/socket.js';
import { quoteNodeOption } from '../process/node-options.js';
import type { ListeningSocket } from './listen.js';

/** What the preload reads: which inherited fd is which port (see preload.cts). */
const socketsEnvVar = 'DEVRELOAD_SOCKETS';

/** The entry the preload parses from DEVRELOAD_SOCKETS (JSON array). */
interface PreloadSocket {
  /** The fd number in the app: 3, 4, … in the order of the sockets. */
  fd: number;
  port: number;
  /** The socket's inode (0 = unknown): the preload checks it before trusting the fd number. */
  inode: number;
  /** The bound address, to prefer an exact host match when two sockets share a port. */
  address: string;
  /** How messages name the option (`--socket`, `socket`) and its value (`3000`): for the host-mismatch notice. */
  option: string;
  spec: string;
  /** The run's directory where a reported mismatch is marked, so it is reported once per run. */
  notices: string;
}

/** systemd's SD_LISTEN_FDS_START: the first passed socket is fd 3. */
const firstFd = 3;

export interface SocketEnvOptions {
  /** Absolute path of the Node preload; false leaves NODE_OPTIONS alone. Default: the built dist/socket/preload.cjs. */
  preload?: string | false;
}

/** devreload's descriptors, in the order the app receives them as fd 3, 4, … (InstanceSpec.fds). */
export function instanceFds(sockets: readonly ListeningSocket[]): number[] {
  return sockets.map((socket) => socket.fd);
}

/**
 * The app's environment with the sockets announced: LISTEN_FDS / LISTEN_FDNAMES (systemd
 * socket activation; LISTEN_PID is deliberately absent, see the README), DEVRELOAD_SOCKETS,
 * and the preload appended to NODE_OPTIONS so an unmodified `server.listen(port)` uses them.
 * Without sockets, `base` comes back untouched.
 */
export function socketEnv(sockets: readonly ListeningSocket[], base: NodeJS.ProcessEnv, options: SocketEnvOptions = {}): NodeJS.ProcessEnv {
  if (sockets.length === 0) return base;
  const env: NodeJS.ProcessEnv = { ...base };
  // Set when devreload itself was socket-activated: it names devreload's pid, not the app's.
  delete env.LISTEN_PID;
  env.LISTEN_FDS = String(sockets.length);
  env.LISTEN_FDNAMES = sockets.map((socket) => String(socket.port)).join(':');
  const entries: PreloadSocket[] = sockets.map((socket, index) => ({
    fd: firstFd + index,
    port: socket.port,
    inode: socket.inode,
    address: socket.address,
    option: socket.option,
    // The port actually bound: the API may ask for port 0.
    spec: formatSocketSpec({ host: socket.spec.host, port: socket.port }),
    notices: socket.noticeDir,
  }));
  env[socketsEnvVar] = JSON.stringify(entries);
  const preload = options.preload ?? assetPath('socket/preload.cjs');
  if (preload !== false) env.NODE_OPTIONS = appendNodeOption(base.NODE_OPTIONS, '--require', preload);
  return env;
}


/**
 * Appends `flag value` to NODE_OPTIONS, keeping what is there (a debugger's bootloader).
 * Node splits NODE_OPTIONS on spaces outside double quotes, and inside them a backslash
 * escapes the next character: quoting always keeps paths with spaces or quotes intact.
 */
function appendNodeOption(existing: string | undefined, flag: string, value: string): string {
  // Quoted even without spaces: a path the preload reads must survive whatever is appended later.
  const option = `${flag} ${quoteNodeOption(value, true)}`;
  return existing === undefined || existing.trim() === '' ? option : `${existing} ${option}`;
}
