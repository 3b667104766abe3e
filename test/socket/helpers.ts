import { mkdtemp, rm } from 'node:fs/promises';
import http from 'node:http';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { startInstance, type Instance, type InstanceSpec } from '../../src/process/instance.js';
import { socketEnv } from '../../src/socket/env.js';
import { listenSockets, type SocketSet } from '../../src/socket/listen.js';
import { waitUntil } from '../wait.js';

export const TIMEOUT_MS = 10_000;
export const repoRoot = resolve(import.meta.dirname, '../..');
export const socketFixture = (name: string) => join(repoRoot, 'fixtures/socket', name);

/** Everything a test started; `cleanUp()` (in afterEach) kills, closes and removes it all. */
export class Resources {
  readonly #instances: Instance[] = [];
  readonly #sets: SocketSet[] = [];
  readonly #dirs: string[] = [];
  readonly #other: (() => void | Promise<void>)[] = [];

  async tempDir(prefix = 'devreload-socket-'): Promise<string> {
    const dir = await mkdtemp(join(tmpdir(), prefix));
    this.#dirs.push(dir);
    return dir;
  }

  async listen(...specs: { host?: string; port: number }[]): Promise<SocketSet> {
    const set = await listenSockets(specs.length === 0 ? [{ host: '127.0.0.1', port: 0 }] : specs);
    this.#sets.push(set);
    return set;
  }

  async start(spec: InstanceSpec): Promise<Instance> {
    const instance = await startInstance(spec);
    this.#instances.push(instance);
    return instance;
  }

  defer(cleanup: () => void | Promise<void>): void {
    this.#other.push(cleanup);
  }

  async cleanUp(): Promise<void> {
    for (const instance of this.#instances.splice(0)) {
      await instance.signal('SIGKILL');
      await instance.gone;
    }
    for (const cleanup of this.#other.splice(0).reverse()) await cleanup();
    for (const set of this.#sets.splice(0)) set.close();
    for (const dir of this.#dirs.splice(0)) await rm(dir, { recursive: true, force: true });
  }
}

/** The preload as devreload ships it: `npm test` builds dist/ before the tests run. */
export const builtPreload = join(repoRoot, 'dist/socket/preload.cjs');

/** Sockets on 127.0.0.1 (free ports) plus the env and fds an instance needs to use them. */
export async function handOff(resources: Resources, preload: string | false, count = 1) {
  const set = await resources.listen(...Array.from({ length: count }, () => ({ host: '127.0.0.1', port: 0 })));
  const env = socketEnv(set.sockets, { ...process.env }, { preload });
  const fds = set.sockets.map((socket) => socket.fd);
  const ports = set.sockets.map((socket) => socket.port);
  return { set, env, fds, ports, port: ports[0] ?? 0 };
}

export interface Reply {
  status: number;
  body: string;
}

/**
 * One GET on a fresh connection (no keep-alive), like a client that never reuses sockets.
 * A request queued on a socket nobody accepts would wait forever: it fails after `timeoutMs`.
 */
export function get(port: number, path = '/', host = '127.0.0.1', timeoutMs = 5000): Promise<Reply> {
  return new Promise((done, fail) => {
    const request = http.get({ host, port, path, agent: false, headers: { connection: 'close' }, timeout: timeoutMs }, (response) => {
      let body = '';
      response.setEncoding('utf8').on('data', (chunk: string) => (body += chunk));
      response.once('end', () => done({ status: response.statusCode ?? 0, body }));
      response.once('error', fail);
    });
    request.once('error', fail);
    request.once('timeout', () => request.destroy(new Error(`no answer from port ${port} within ${timeoutMs} ms`)));
  });
}

/** The first answer on `port`, failing at once if the instance exits before it answered. */
export async function firstReply<T = Record<string, unknown>>(instance: Instance, port: number, timeoutMs = TIMEOUT_MS): Promise<T> {
  const exited = instance.exited.then((exit) => {
    throw new Error(`the app exited (${JSON.stringify(exit)}) before it answered on port ${port}`);
  });
  return Promise.race([waitFor(`an answer on port ${port}`, () => getJson<T>(port), timeoutMs), exited]);
}

export async function getJson<T = Record<string, unknown>>(port: number): Promise<T> {
  return JSON.parse((await get(port)).body) as T;
}

/** Polls `probe` until it returns a value; on timeout fails with `what` and the last error. */
export function waitFor<T>(what: string, probe: () => Promise<T | undefined> | T | undefined, timeoutMs = TIMEOUT_MS): Promise<T> {
  return waitUntil(probe, { timeout: timeoutMs, interval: 10, describe: () => what });
}

/** Settles with the promise's value, or fails after TIMEOUT_MS naming `what`. */
export function within<T>(promise: Promise<T>, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, fail) => {
    timer = setTimeout(() => fail(new Error(`timed out after ${TIMEOUT_MS} ms: ${what}`)), TIMEOUT_MS);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

// Asserting that something does NOT happen needs a window; the failures it guards show in ms.
export const PENDING_WINDOW_MS = 300;

export async function isPending(promise: Promise<unknown>): Promise<boolean> {
  const window = new Promise((done) => setTimeout(() => done('pending'), PENDING_WINDOW_MS));
  return (await Promise.race([promise.then(() => 'settled'), window])) === 'pending';
}
