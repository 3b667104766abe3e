import http from 'node:http';
import https from 'node:https';
import net from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { readTcpTable } from './proc-net.js';
import { readyConnectTimeoutMs } from '../tuning.js';

/**
 * One try of a network check. `not-yet`: nothing answers yet (try again soon); `failing`: the
 * app answers with a server error (try again, less often). Never rejects.
 */
export type Attempt = (signal: AbortSignal) => Promise<AttemptResult>;
export type AttemptResult = 'ready' | 'not-yet' | 'failing';

const outcome = (ready: boolean): AttemptResult => (ready ? 'ready' : 'not-yet');

/** How an `accept` check learns the app accepted: the kernel's table, or an HTTP answer. */
export type AcceptVia = 'proc' | 'request';

const connectTimeoutMs = readyConnectTimeoutMs;

/** Ready when a TCP connection to any of `hosts` opens (the app's own listening socket). */
export function connectAttempt(hosts: readonly string[], port: number): Attempt {
  return async (signal) => outcome((await Promise.all(hosts.map((host) => connectOnce(host, port, signal)))).some(Boolean));
}

function connectOnce(host: string, port: number, signal: AbortSignal): Promise<boolean> {
  return withSocket(host, port, signal, (socket, done) => {
    socket.setTimeout(connectTimeoutMs, () => done(false));
    socket.once('connect', () => done(true));
  });
}

/**
 * Ready once the app accepted a connection on a handed-off socket. `proc` (Linux) watches the
 * server side of our connection in /proc/net/tcp: its inode stays 0 while it waits in the
 * accept queue and becomes the socket's inode once a process accepted it. That sends the app
 * nothing, so no request shows up in its log. `request` (other systems) sends `HEAD /` and
 * waits for any answer; a server that accepts and closes counts as well.
 */
export function acceptAttempt(host: string, port: number, via: AcceptVia | undefined, pollMs: number): Attempt {
  return async (signal) => {
    const mode = via ?? ((await readTcpTable().catch(() => undefined)) === undefined ? 'request' : 'proc');
    const accepted = await withSocket(host, port, signal, (socket, done) => {
      socket.once('end', () => done(true));
      socket.once('data', () => done(true));
      socket.once('connect', () => {
        if (mode === 'request') {
          socket.write(`HEAD / HTTP/1.1\r\nHost: ${net.isIPv6(host) ? `[${host}]` : host}:${port}\r\nConnection: close\r\n\r\n`);
          return;
        }
        const clientPort = socket.localPort;
        void (async () => {
          while (!signal.aborted && !socket.destroyed) {
            const table = await readTcpTable().catch(() => undefined);
            if (table?.some((e) => e.localPort === port && e.remotePort === clientPort && e.inode !== 0)) return done(true);
            await sleep(pollMs, undefined, { signal }).catch(() => undefined);
          }
        })();
      });
    });
    return outcome(accepted);
  };
}

/** Ready when a GET to `url` is answered with a status below 500. */
export function urlAttempt(url: string): Attempt {
  return (signal) =>
    new Promise<AttemptResult>((resolve) => {
      const target = new URL(url);
      const client = target.protocol === 'https:' ? https : http;
      // No agent: a pooled keep-alive connection would hold up the app's graceful shutdown.
      // Dev servers use self-signed certificates; only "does it answer" matters here.
      const request = client.get(target, { agent: false, signal, headers: { connection: 'close' }, rejectUnauthorized: false }, (response) => {
        response.destroy();
        resolve((response.statusCode ?? 500) < 500 ? 'ready' : 'failing');
      });
      request.once('error', () => resolve('not-yet'));
    });
}

/** Opens a connection, lets `watch` decide, and always destroys it afterwards (or on abort). */
function withSocket(host: string, port: number, signal: AbortSignal, watch: (socket: net.Socket, done: (ready: boolean) => void) => void): Promise<boolean> {
  return new Promise<boolean>((resolve) => {
    if (signal.aborted) return resolve(false);
    const socket = net.connect({ host, port });
    const done = (ready: boolean): void => {
      signal.removeEventListener('abort', onAbort);
      socket.destroy();
      resolve(ready);
    };
    const onAbort = (): void => done(false);
    signal.addEventListener('abort', onAbort, { once: true });
    // ECONNREFUSED (nothing listens yet), ECONNRESET (an instance died holding it): not ready.
    socket.once('error', () => done(false));
    socket.once('close', () => done(false));
    watch(socket, done);
  });
}
