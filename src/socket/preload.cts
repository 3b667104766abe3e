// The Node preload devreload appends to NODE_OPTIONS (`--require <dist/socket/preload.cjs>`)
// when it hands sockets to the app. It runs in EVERY Node process of the instance (npm, a
// shell's node, tsx's parent, the app) and does two things there:
//
// 1. `server.listen()` on a handed-off port listens on the inherited socket (`listen({ fd })`)
//    instead of binding the port, so an unmodified http/Express/Fastify server accepts the
//    connections that queued up while it restarted. Any other listen() is left alone.
//    When that listen() names a host the socket was not bound to (the app asks 0.0.0.0, the
//    socket is loopback only), it says so on stderr, once per devreload run (see reportOnce).
// 2. Node marks every inherited fd above 2 close-on-exec at startup (libuv's
//    uv_disable_stdio_inheritance), so a Node process in between (npm, tsx's parent) would
//    drop the sockets before they reach the server. Children whose environment still
//    announces the sockets get them passed on explicitly (at fd 3, 4, … when free), as a
//    shell would.
//
// CommonJS on purpose: `--require` loads it before the app whatever module system the app
// uses, and `node:net` is one object for CJS and ESM, so patching its prototype reaches both.
import childProcess = require('node:child_process');
import cluster = require('node:cluster');
import fs = require('node:fs');
import net = require('node:net');
import path = require('node:path');
import type HostMismatch = require('./host-mismatch.cjs');
import type KeepAccepted = require('./keep-accepted.cjs');

// Must match socketsEnvVar in env.ts, which owns the format.
const envVar = 'DEVRELOAD_SOCKETS';

/** One entry of DEVRELOAD_SOCKETS (written by src/socket/env.ts, which owns the format). */
interface HandedOff {
  fd: number;
  port: number;
  inode: number;
  address: string;
  /** For the host-mismatch notice; absent from another version's announcement (then: no notice). */
  option?: unknown;
  spec?: unknown;
  notices?: unknown;
}

interface ListenRequest {
  port: number;
  host: string | undefined;
  backlog: number | undefined;
  signal: unknown;
  callback: unknown;
}

type Listen = (this: net.Server, ...args: unknown[]) => net.Server;

/** What ChildProcess#spawn receives once child_process.spawn/fork/exec normalised it. */
interface SpawnOptions {
  stdio?: unknown;
  /** The child's environment as `KEY=value` strings. */
  envPairs?: unknown;
}
type Spawn = (this: childProcess.ChildProcess, options: SpawnOptions) => unknown;

// Symbol.for: two copies of the preload (nested devreloads, two installs) patch only once.
const installed = Symbol.for('devreload.socket-preload');

install();

function install(): void {
  const server = net.Server.prototype as unknown as Record<symbol, unknown> & { listen: Listen };
  if (server[installed] === true) return;
  const announcement = process.env[envVar];
  const sockets = readSockets(announcement);
  if (announcement === undefined || sockets.length === 0) return;
  Object.defineProperty(server, installed, { value: true });

  // A cluster worker's listen() is performed by the primary, which has the socket as its own
  // fd; handing the worker's fd number to the primary would name a different file there.
  // (The typings describe the ESM default export; require() returns the cluster object itself.)
  if ((cluster as unknown as { isWorker?: boolean }).isWorker !== true) {
    // Each socket is taken at most once per process: a second server on the same port gets
    // EADDRINUSE exactly as it would without devreload, and one fd never gets two handles.
    const taken = new Set<HandedOff>();
    const listen = server.listen;
    server.listen = function patchedListen(this: net.Server, ...args: unknown[]): net.Server {
      const handed = attempt(() => handOff(args, sockets, taken));
      // On a handed-off socket, close() must not reset what it accepted (keep-accepted.cts).
      if (handed !== undefined || attempt(() => takesHandedOff(args, sockets)) === true) {
        attempt(() => (require('./keep-accepted.cjs') as typeof KeepAccepted).keepAcceptedOnClose(this));
      }
      return listen.apply(this, handed ?? args);
    };
  }

  const child = childProcess.ChildProcess.prototype as unknown as { spawn: Spawn };
  const spawn = child.spawn;
  child.spawn = function patchedSpawn(this: childProcess.ChildProcess, options: SpawnOptions): unknown {
    return spawn.call(this, attempt(() => passOn(options, sockets, `${envVar}=${announcement}`)) ?? options);
  };
}

/** This file runs inside npm and every other Node tool: a surprise here must not break them. */
function attempt<T>(decide: () => T | undefined): T | undefined {
  try {
    return decide();
  } catch {
    return undefined;
  }
}

/** Adds the sockets to a child's stdio when its environment announces them unchanged. */
function passOn(options: SpawnOptions, sockets: readonly HandedOff[], announced: string): SpawnOptions {
  if (!Array.isArray(options.envPairs) || !options.envPairs.includes(announced)) return options;
  const stdio = stdioArray(options.stdio);
  if (stdio === undefined) return options;
  for (const socket of sockets) {
    const fd = locate(socket);
    if (fd === undefined) continue;
    // Its announced number when free (LISTEN_FDS users count from 3); else the next free slot
    // (fork's IPC channel sits at 3), where the preload in the child still finds it by inode.
    const free = (index: number): boolean => index >= stdio.length || stdio[index] === undefined || stdio[index] === null;
    let slot = socket.fd;
    if (!free(slot)) for (slot = 3; !free(slot); slot++);
    while (stdio.length < slot) stdio.push('ignore');
    stdio[slot] = fd;
  }
  return { ...options, stdio };
}

function stdioArray(stdio: unknown): unknown[] | undefined {
  if (stdio === undefined || stdio === null) return ['pipe', 'pipe', 'pipe'];
  if (typeof stdio === 'string') return [stdio, stdio, stdio];
  return Array.isArray(stdio) ? [...stdio] : undefined;
}

function handOff(args: unknown[], sockets: readonly HandedOff[], taken: Set<HandedOff>): unknown[] | undefined {
  const request = parseListenArgs(args);
  if (request === undefined) return undefined;
  const free = sockets.filter((socket) => socket.port === request.port && !taken.has(socket));
  const preferred = [...free.filter((socket) => socket.address === request.host), ...free];
  for (const socket of preferred) {
    const fd = locate(socket);
    if (fd === undefined) continue;
    taken.add(socket);
    if (request.host !== undefined) attempt(() => checkHost(request.host as string, socket));
    const options: Record<string, unknown> = { fd };
    if (request.backlog !== undefined) options.backlog = request.backlog;
    if (request.signal !== undefined) options.signal = request.signal;
    return typeof request.callback === 'function' ? [options, request.callback] : [options];
  }
  return undefined;
}

/** `listen({ fd })` on a handed-off socket: an app that takes it itself (it opted in). */
function takesHandedOff(args: unknown[], sockets: readonly HandedOff[]): boolean {
  const fd = (args[0] as { fd?: unknown } | null | undefined)?.fd;
  return typeof fd === 'number' && sockets.some((socket) => locate(socket) === fd);
}

/**
 * Tells the user when the app asked for a host the socket does not match. A listen() without a
 * host says nothing: it takes whatever devreload was told to bind.
 */
function checkHost(host: string, socket: HandedOff): void {
  const { option, spec, notices } = socket;
  if (typeof option !== 'string' || typeof spec !== 'string' || typeof notices !== 'string') return;
  // Loaded only here: this file runs in every Node process of the instance, most never get here.
  const { canonicalHost, mismatchNotice } = require('./host-mismatch.cjs') as typeof HostMismatch;
  const dns = require('node:dns') as typeof import('node:dns');
  const bound: Parameters<typeof mismatchNotice>[1] = { address: socket.address, port: socket.port, option, spec };
  const report = (resolved?: string[]): void => {
    const notice = mismatchNotice(host, bound, resolved);
    if (notice !== undefined) reportOnce(notice, path.join(notices, `${socket.port}-${encodeURIComponent(canonicalHost(host))}`));
  };
  if (net.isIP(host) !== 0 || canonicalHost(host) === 'localhost') return report();
  // A host name: it matches when any of its addresses does. Unresolvable: nothing to compare.
  dns.lookup(host, { all: true }, (error, addresses) => {
    if (error === null) attempt(() => report(addresses.map((a) => a.address)));
  });
}

/**
 * Writes `notice` to stderr unless this run already did. The preload runs again in every new
 * instance, so the memory must outlive the process: an exclusive create of `marker` in the run's
 * directory succeeds once per run (atomic even for two processes at once), and devreload removes
 * the directory when it exits. When the marker cannot be made, saying it again beats never.
 */
function reportOnce(notice: string, marker: string): void {
  try {
    fs.mkdirSync(path.dirname(marker), { recursive: true, mode: 0o700 });
    fs.closeSync(fs.openSync(marker, 'wx'));
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return;
  }
  // As devreload's own logger writes a warning (src/log/logger.ts), coloured under the same rules.
  const line = useColor() ? `\x1b[32m[devreload]\x1b[39m \x1b[33m${notice}\x1b[39m\n` : `[devreload] ${notice}\n`;
  fs.writeSync(2, line);
}

function useColor(): boolean {
  const { FORCE_COLOR, NO_COLOR, TERM } = process.env;
  if (FORCE_COLOR !== undefined && FORCE_COLOR !== '0') return true;
  if (NO_COLOR !== undefined && NO_COLOR !== '') return false;
  return (require('node:tty') as typeof import('node:tty')).isatty(2) && TERM !== 'dumb';
}

/** Mirrors net.Server#listen's argument forms; undefined for anything that is not a TCP port. */
function parseListenArgs(args: unknown[]): ListenRequest | undefined {
  const last = args[args.length - 1];
  const callback = typeof last === 'function' ? last : undefined;
  const first = args[0];
  if (typeof first === 'object' && first !== null) {
    const options = first as Record<string, unknown>;
    // listen(handle), listen(server), listen({ fd }): the app brings its own socket.
    if (options._handle || options.handle || options.fd !== undefined) return undefined;
    const port = toPort(options.port);
    if (port === undefined) return undefined;
    const backlog = toBacklog(options.backlog) ?? toBacklog(args[1]);
    return { port, host: typeof options.host === 'string' ? options.host : undefined, backlog, signal: options.signal, callback };
  }
  const port = toPort(first);
  if (port === undefined) return undefined;
  const host = typeof args[1] === 'string' ? args[1] : undefined;
  return { port, host, backlog: toBacklog(args[1]) ?? toBacklog(args[2]), signal: undefined, callback };
}

/** 1-65535 as a number or a numeric string (`listen(process.env.PORT)`); 0 = "any port" never matches. */
function toPort(value: unknown): number | undefined {
  const port = typeof value === 'number' ? value : typeof value === 'string' && /^\s*\d+\s*$/.test(value) ? Number(value) : NaN;
  return Number.isInteger(port) && port >= 1 && port <= 65535 ? port : undefined;
}

function toBacklog(value: unknown): number | undefined {
  return typeof value === 'number' && Number.isFinite(value) && value >= 0 ? value : undefined;
}

/**
 * The fd holding `socket` in this process. fd numbers are only a hint: a forked child has its
 * IPC channel at fd 3, a wrapper may have moved the socket. The inode decides.
 */
function locate(socket: HandedOff): number | undefined {
  if (isSocket(socket.fd, socket.inode)) return socket.fd;
  if (socket.inode === 0) return undefined;
  let names: string[];
  try {
    names = fs.readdirSync('/proc/self/fd');
  } catch {
    return undefined;
  }
  const wanted = `socket:[${socket.inode}]`;
  for (const name of names) {
    const fd = Number(name);
    if (fd <= 2 || fd === socket.fd) continue;
    try {
      if (fs.readlinkSync(`/proc/self/fd/${name}`) === wanted && isSocket(fd, socket.inode)) return fd;
    } catch {
      // Closed between readdir and readlink (readdir's own fd is one of them).
    }
  }
  return undefined;
}

function isSocket(fd: number, inode: number): boolean {
  const channel = (process as { channel?: { fd?: unknown } }).channel;
  if (channel?.fd === fd) return false;
  try {
    const stats = fs.fstatSync(fd);
    return stats.isSocket() && (inode === 0 || stats.ino === inode);
  } catch {
    return false;
  }
}

function readSockets(text: string | undefined): HandedOff[] {
  if (text === undefined || text === '') return [];
  try {
    const parsed: unknown = JSON.parse(text);
    if (!Array.isArray(parsed)) return [];
    return parsed.filter(isHandedOff);
  } catch {
    // A foreign or damaged value: stay inert rather than break every Node process.
    return [];
  }
}

function isHandedOff(value: unknown): value is HandedOff {
  if (typeof value !== 'object' || value === null) return false;
  const entry = value as Record<string, unknown>;
  return Number.isInteger(entry.fd) && (entry.fd as number) >= 3 && toPort(entry.port) === entry.port
    && Number.isInteger(entry.inode) && typeof entry.address === 'string';
}
