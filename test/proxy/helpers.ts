import { EventEmitter } from 'node:events';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach } from 'vitest';
import { createLogger } from '../../src/log/logger.js';
import { startDevProxy, type DevProxy, type DevProxyOptions, type EventSource } from '../../src/proxy/dev-proxy.js';
import type { PublicEvent } from '../../src/supervisor/events.js';
import { realClock } from '../../src/supervisor/ports.js';
import { burstDelayMs, burstThreshold, defaultDelayMs } from '../../src/tuning.js';
import { freePort } from '../e2e/harness.js';

/** Everything a test started, closed after it whatever happened. */
const open: Array<() => unknown> = [];
afterEach(async () => {
  for (const close of open.splice(0).reverse()) await close();
});

/** A real HTTP server on loopback standing in for the app; `port` is where it listens. */
export async function startApp(handler: http.RequestListener, port = 0): Promise<{ server: http.Server; port: number; close: () => Promise<void> }> {
  const server = http.createServer(handler);
  // Upgraded connections are no longer the server's: tracked here so close() ends them too.
  const sockets = new Set<import('node:net').Socket>();
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  const close = () =>
    new Promise<void>((resolve) => {
      for (const socket of sockets) socket.destroy();
      server.closeAllConnections();
      server.close(() => resolve());
    });
  open.push(close);
  return { server, port: (server.address() as AddressInfo).port, close };
}

/** The supervisor as the proxy hears it: a test emits its events by hand. */
export class FakeSupervisor extends EventEmitter {
  readonly published: PublicEvent[] = [];
  send<E extends PublicEvent>(event: E): void {
    this.emit(event.name, event.payload);
  }
  publishedOf<N extends PublicEvent['name']>(name: N): Array<Extract<PublicEvent, { name: N }>['payload']> {
    return this.published.filter((e) => e.name === name).map((e) => e.payload) as never;
  }
}

export interface TestProxy {
  proxy: DevProxy;
  port: number;
  supervisor: FakeSupervisor;
  log: string[];
}

/** A real proxy on a free loopback port, following a FakeSupervisor. */
export async function startTestProxy(options: Partial<DevProxyOptions> & { appPort: number | undefined }): Promise<TestProxy> {
  // Never the app's: the kernel may hand a port just freed out again.
  let port = await freePort();
  while (port === options.appPort) port = await freePort();
  const supervisor = new FakeSupervisor();
  const log: string[] = [];
  const stream = { write: (text: string) => log.push(text.trim()) !== 0, isTTY: false } as unknown as NodeJS.WritableStream;
  const proxy = await startDevProxy({
    spec: { port },
    option: '--proxy',
    appHost: undefined,
    reportsReady: false,
    events: supervisor as unknown as EventSource,
    publish: (event) => supervisor.published.push(event),
    logger: createLogger({ level: 'verbose', cwd: '/', command: 'app', stream, env: {} }),
    cwd: '/',
    clock: realClock,
    quiet: { delay: defaultDelayMs, burstThreshold, burstDelay: burstDelayMs },
    ...options,
  });
  open.push(() => proxy.close());
  return { proxy, port, supervisor, log };
}

export interface Fetched {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: Buffer;
}

/** One request on a fresh connection; never rejects on an HTTP status. */
export function get(port: number, path = '/', headers: http.OutgoingHttpHeaders = {}, method = 'GET'): Promise<Fetched> {
  return new Promise((resolve, reject) => {
    const request = http.request({ host: '127.0.0.1', port, path, method, headers, agent: false }, (response) => {
      const chunks: Buffer[] = [];
      response.on('data', (chunk: Buffer) => chunks.push(chunk));
      response.on('end', () => resolve({ status: response.statusCode ?? 0, headers: response.headers, body: Buffer.concat(chunks) }));
      response.on('error', reject);
    });
    request.on('error', reject);
    request.end();
  });
}

/** A `state` the events stream sent. */
export interface StreamState {
  version: string | null;
  overlay: { title: string; lines: string[] } | null;
}

/** An open `/__devreload/events` stream, the states it sent as they come. */
export function listen(port: number): Promise<{ events: Array<{ event: string; data: StreamState }>; states: () => StreamState[]; close: () => void }> {
  return new Promise((resolve, reject) => {
    const events: Array<{ event: string; data: StreamState }> = [];
    const request = http.get({ host: '127.0.0.1', port, path: '/__devreload/events', agent: false }, (response) => {
      let buffer = '';
      response.setEncoding('utf8').on('data', (chunk: string) => {
        buffer += chunk;
        const blocks = buffer.split('\n\n');
        buffer = blocks.pop() ?? '';
        for (const block of blocks) {
          const event = /^event: (.*)$/m.exec(block)?.[1];
          const data = /^data: (.*)$/m.exec(block)?.[1];
          if (event !== undefined) events.push({ event, data: JSON.parse(data ?? 'null') as StreamState });
        }
      });
      const close = () => request.destroy();
      open.push(close);
      resolve({ events, states: () => events.filter((e) => e.event === 'state').map((e) => e.data), close });
    });
    request.on('error', (error) => (events.length === 0 ? reject(error) : undefined));
  });
}
