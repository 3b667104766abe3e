import { once } from 'node:events';
import http from 'node:http';
import net from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import type KeepAccepted from '../../src/socket/keep-accepted.cjs';
import { repoRoot } from '../e2e/harness.js';

// Node 26 closes, at http's close(), the connections it accepted that have sent no request yet
// (nodejs/node#63470). On a handed-off socket those are requests on their way: the preload has
// close() wait for them (src/socket/keep-accepted.cts). Before Node 26 close() left them alone,
// so the first test can only fail on Node 26 and later; CI runs it there.

// The built file, as the preload loads it (vitest does not load .cts sources).
const keepAccepted = createRequire(import.meta.url)(join(repoRoot, 'dist/socket/keep-accepted.cjs')) as typeof KeepAccepted;

const open: (net.Server | net.Socket)[] = [];
afterEach(() => {
  for (const thing of open.splice(0)) {
    if (thing instanceof net.Socket) thing.destroy();
    else thing.close();
  }
});

async function serverWithSilentClient(): Promise<{ server: http.Server; client: net.Socket }> {
  const server = http.createServer((_request, response) => response.end('answered'));
  keepAccepted.keepAcceptedOnClose(server);
  open.push(server);
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const client = net.connect((server.address() as net.AddressInfo).port, '127.0.0.1');
  open.push(client);
  // Accepted by the server, and nothing sent yet: its request is "on its way".
  await Promise.all([once(client, 'connect'), once(server, 'connection')]);
  return { server, client };
}

describe('keepAcceptedOnClose', () => {
  it('a connection accepted before close() gets its answer when its request comes after', async () => {
    const { server, client } = await serverWithSilentClient();
    const closed = new Promise<void>((resolve) => server.close(() => resolve()));
    let reply = '';
    client.setEncoding('utf8').on('data', (chunk: string) => (reply += chunk));
    const ended = new Promise<string | undefined>((resolve) => {
      client.once('error', (error: NodeJS.ErrnoException) => resolve(error.code));
      client.once('close', () => resolve(undefined));
    });
    // close() has run: on Node 26, without the fix, the server side is already destroyed.
    client.write('GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n');
    expect(await ended).toBeUndefined();
    expect(reply).toMatch(/^HTTP\/1\.1 200 OK[\s\S]*answered$/);
    await closed;
  });

  it('a server without closeIdleConnections (plain net) is left as it is', () => {
    const server = net.createServer();
    keepAccepted.keepAcceptedOnClose(server);
    expect('closeIdleConnections' in server).toBe(false);
  });
});
