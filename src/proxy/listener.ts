import net from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { readyConnectTimeoutMs, readyIntervalMs } from '../tuning.js';

/**
 * Where the app is reached from devreload: loopback, IPv4 first. Node's `listen(port)` takes
 * both; `listen(port, 'localhost')` may take ::1 alone; Python servers usually take 127.0.0.1.
 */
export const loopbackHosts = ['127.0.0.1', '::1'] as const;

/**
 * The first of `hosts` where a TCP connection to `port` opens, trying every `readyIntervalMs`
 * until one does; undefined once `signal` aborts. This is the proxy's own readiness check when
 * the supervisor reports none (no `--ready`, no `--socket`): an app that accepts is ready.
 */
export async function findListener(hosts: readonly string[], port: number, signal: AbortSignal): Promise<string | undefined> {
  while (!signal.aborted) {
    const open = await Promise.all(hosts.map((host) => accepts(host, port, signal)));
    const found = hosts.find((_, index) => open[index]);
    if (found !== undefined) return found;
    await sleep(readyIntervalMs, undefined, { signal }).catch(() => undefined);
  }
  return undefined;
}

/** One TCP connect to `host:port`: does anything accept there now? */
export function accepts(host: string, port: number, signal: AbortSignal): Promise<boolean> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve(false);
    const socket = net.connect({ host, port });
    const done = (open: boolean) => {
      signal.removeEventListener('abort', abort);
      socket.destroy();
      resolve(open);
    };
    const abort = () => done(false);
    signal.addEventListener('abort', abort, { once: true });
    socket.setTimeout(readyConnectTimeoutMs, () => done(false));
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
  });
}
