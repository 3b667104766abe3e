import net from 'node:net';
import { promisify } from 'node:util';
import zlib from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { freePort } from '../e2e/harness.js';
import { get, listen, startApp, startTestProxy, until } from './helpers.js';

const page = '<!doctype html><html><head><title>t</title></head><body><h1>café</h1></body></html>';
const tagPattern = /<script src="\/__devreload\/client\.js\?v=[^"]+"><\/script><\/body>/;

describe('holding requests while no instance is ready', () => {
  it('holds a request until the instance accepts, then forwards it (and says how long it waited)', async () => {
    const appPort = await freePort();
    const { port, supervisor, proxy } = await startTestProxy({ appPort });
    // Nothing listens yet: the request must wait, not be refused.
    const answer = get(port, '/hello');
    let settled = false;
    void answer.finally(() => (settled = true));
    supervisor.send({ name: 'start', payload: { pid: 1 } });
    await until(() => proxy.waiting === 1, () => 'the request held');
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(settled).toBe(false);
    await startApp((request, response) => response.end(`app saw ${request.url}`), appPort);
    const { status, body } = await answer;
    expect({ status, body: body.toString() }).toEqual({ status: 200, body: 'app saw /hello' });
    const [released] = supervisor.publishedOf('proxy').filter((e) => e.phase === 'released');
    expect(released).toMatchObject({ phase: 'released', requests: 1 });
    expect((released as { waitedMs: number }).waitedMs).toBeGreaterThanOrEqual(100);
  });

  it('holds from the stop until the next instance is ready, with the old one still accepting', async () => {
    const app = await startApp((_, response) => response.end('old'));
    const { port, supervisor, proxy } = await startTestProxy({ appPort: app.port, reportsReady: true });
    supervisor.send({ name: 'ready', payload: { pid: 1, ms: 1 } });
    expect((await get(port)).body.toString()).toBe('old');
    supervisor.send({ name: 'stop', payload: { pid: 1, signal: 'SIGTERM', reason: 'restart' } });
    const held = get(port);
    let settled = false;
    void held.finally(() => (settled = true));
    await until(() => proxy.waiting === 1, () => 'the request held');
    // The old instance still accepts, but it is being stopped: nothing goes to it.
    expect(settled).toBe(false);
    app.server.removeAllListeners('request');
    app.server.on('request', (_, response) => response.end('new'));
    supervisor.send({ name: 'ready', payload: { pid: 2, ms: 1 } });
    expect((await held).body.toString()).toBe('new');
  });

  it('answers 502 with devreload\'s message once the bound passes, and reports it', async () => {
    const { port, supervisor, log } = await startTestProxy({ appPort: await freePort(), holdMs: 200 });
    const started = Date.now();
    const text = await get(port, '/');
    const html = await get(port, '/', { accept: 'text/html' });
    expect(Date.now() - started).toBeGreaterThanOrEqual(200);
    expect(text.status).toBe(502);
    expect(text.body.toString()).toMatch(/^devreload: the app was not ready within 0 s\n/);
    expect(html.status).toBe(502);
    expect(html.headers['content-type']).toMatch(/^text\/html/);
    // devreload's own page reloads itself once an instance is ready.
    expect(html.body.toString()).toContain('<script src="/__devreload/client.js?v="></script>');
    expect(supervisor.publishedOf('proxy').filter((e) => e.phase === 'timedOut')).toHaveLength(2);
    expect(log.join('\n')).toMatch(/no instance was ready — answered 502/);
  });

  it('answers with the failure at once when the app exited and nothing starts until a change', async () => {
    const { port, supervisor, proxy } = await startTestProxy({ appPort: await freePort() });
    const held = get(port);
    await until(() => proxy.waiting === 1, () => 'the request held');
    supervisor.send({ name: 'exit', payload: { code: 3, signal: null, next: 'wait', retryInMs: null } });
    const answer = await held;
    expect(answer.status).toBe(502);
    expect(answer.body.toString()).toMatch(/^devreload: The app exited with code 3\nFixing the file reloads this page\./);
    expect(supervisor.publishedOf('proxy').find((e) => e.phase === 'failed')).toMatchObject({ requests: 1 });
    // A change: the next instance is coming, so requests wait for it again.
    supervisor.send({ name: 'change', payload: { paths: ['a.js'], count: 1 } });
    void get(port).catch(() => undefined);
    await until(() => proxy.waiting === 1, () => 'the request held again');
  });

  it('holds again when an instance is started after a failure without a change (rs)', async () => {
    const { port, supervisor, proxy } = await startTestProxy({ appPort: await freePort() });
    supervisor.send({ name: 'spawnError', payload: { message: 'command not found: nope', fatal: false } });
    expect((await get(port)).status).toBe(502);
    supervisor.send({ name: 'restart', payload: { pid: 9, ms: 1, paths: [], count: 0 } });
    void get(port).catch(() => undefined);
    await until(() => proxy.waiting === 1, () => 'the request held');
  });

  it('sends a request the stopping instance dropped to the next instance', async () => {
    const appPort = await freePort();
    // The first instance dies under the request, as an app without a SIGTERM handler does.
    const first = await startApp(() => void first.close(), appPort);
    const { port, supervisor } = await startTestProxy({ appPort, reportsReady: true });
    supervisor.send({ name: 'ready', payload: { pid: 1, ms: 1 } });
    const answer = get(port, '/again');
    await new Promise((resolve) => first.server.once('close', resolve));
    supervisor.send({ name: 'stop', payload: { pid: 1, signal: 'SIGTERM', reason: 'restart' } });
    await startApp((request, response) => response.end(`second ${request.url}`), appPort);
    supervisor.send({ name: 'ready', payload: { pid: 2, ms: 1 } });
    expect((await answer).body.toString()).toBe('second /again');
  });

  it('answers 502 at once when a running app closes the connection without answering', async () => {
    const app = await startApp((request) => request.socket.destroy());
    const { port, supervisor } = await startTestProxy({ appPort: app.port, reportsReady: true });
    supervisor.send({ name: 'ready', payload: { pid: 1, ms: 1 } });
    const answer = await get(port, '/drop');
    expect(answer.status).toBe(502);
    expect(answer.body.toString()).toMatch(/^devreload: the app closed the connection without answering\nGET \/drop/);
  });

  it('closes idempotently: its port is free again and held requests are answered', async () => {
    const { proxy, port } = await startTestProxy({ appPort: await freePort() });
    const held = get(port);
    await until(() => proxy.waiting === 1, () => 'the request held');
    proxy.close();
    proxy.close();
    expect((await held).status).toBe(503);
    await new Promise<void>((resolve, reject) => {
      const again = net.createServer().once('error', reject);
      again.listen(port, '127.0.0.1', () => again.close(() => resolve()));
    });
  });
});

describe('injecting the live-reload client', () => {
  const encodings = {
    identity: (body: Buffer) => body,
    gzip: promisify(zlib.gzip),
    deflate: promisify(zlib.deflate),
    br: promisify(zlib.brotliCompress),
  };

  it.each(Object.keys(encodings) as Array<keyof typeof encodings>)('puts one script tag into a %s page and keeps Content-Length right', async (encoding) => {
    const compressed = await encodings[encoding](Buffer.from(page));
    const app = await startApp((_, response) => {
      response.writeHead(200, { 'content-type': 'text/html; charset=utf-8', 'content-length': compressed.length, etag: '"1"', ...(encoding === 'identity' ? {} : { 'content-encoding': encoding }) });
      response.end(compressed);
    });
    const { port, supervisor } = await startTestProxy({ appPort: app.port });
    supervisor.send({ name: 'start', payload: { pid: 1 } });
    const answer = await get(port, '/', { 'accept-encoding': 'gzip, deflate, br' });
    const text = answer.body.toString('utf8');
    expect(text).toMatch(tagPattern);
    expect(text.match(/<script/g)).toHaveLength(1);
    expect(text).toContain('<h1>café</h1>');
    expect(answer.headers['content-encoding']).toBeUndefined();
    expect(Number(answer.headers['content-length'])).toBe(answer.body.length);
    // No validator: a 304 would bring back a copy naming an older version of the app.
    expect(answer.headers.etag).toBeUndefined();
  });

  it('leaves everything but text/html alone, byte for byte', async () => {
    const json = await promisify(zlib.gzip)(Buffer.from('{"html":"</body>"}'));
    const app = await startApp((request, response) => {
      if (request.url === '/json') {
        response.writeHead(200, { 'content-type': 'application/json', 'content-encoding': 'gzip', 'content-length': json.length });
        return response.end(json);
      }
      response.writeHead(200, { 'content-type': 'application/xhtml+xml' });
      response.end(page);
    });
    const { port, supervisor } = await startTestProxy({ appPort: app.port });
    supervisor.send({ name: 'start', payload: { pid: 1 } });
    const gz = await get(port, '/json', { 'accept-encoding': 'gzip' });
    expect(gz.headers['content-encoding']).toBe('gzip');
    expect(gz.body.equals(json)).toBe(true);
    expect((await get(port, '/xhtml')).body.toString()).toBe(page);
    const head = await get(port, '/', {}, 'HEAD');
    expect(head.body.length).toBe(0);
  });

  it('gives the script the nonce of a nonce-based script-src policy', async () => {
    const app = await startApp((_, response) => {
      response.writeHead(200, { 'content-type': 'text/html', 'content-security-policy': "default-src 'self'; script-src 'nonce-abc123' 'strict-dynamic'" });
      response.end(page);
    });
    const { port, supervisor } = await startTestProxy({ appPort: app.port });
    supervisor.send({ name: 'start', payload: { pid: 1 } });
    expect((await get(port)).body.toString()).toMatch(/<script src="\/__devreload\/client\.js\?v=[^"]+" nonce="abc123"><\/script>/);
  });

  it('serves the client from its own origin, and no other /__devreload/ path', async () => {
    const { port } = await startTestProxy({ appPort: await freePort() });
    const client = await get(port, '/__devreload/client.js');
    expect(client.status).toBe(200);
    expect(client.headers['content-type']).toMatch(/^text\/javascript/);
    expect(client.body.toString()).toContain("new EventSource('/__devreload/events?v='");
    expect((await get(port, '/__devreload/other')).status).toBe(404);
  });
});

describe('the events stream', () => {
  it('tells pages of an older version to reload once the new instance is ready, never before', async () => {
    const appPort = await freePort();
    const { port, supervisor } = await startTestProxy({ appPort });
    const page = await listen(port, 'old-run.3');
    supervisor.send({ name: 'start', payload: { pid: 1 } });
    // The proxy looks for the listener every 20 ms meanwhile.
    await new Promise((resolve) => setTimeout(resolve, 100));
    // Spawned, not listening yet: not ready, so no reload.
    expect(page.events).toEqual([]);
    await startApp((_, response) => response.end('up'), appPort);
    await until(() => page.events.length > 0, () => 'a reload');
    expect(page.events).toEqual([{ event: 'reload', data: {} }]);
    expect(supervisor.publishedOf('reload')).toEqual([{ pages: 1, reason: 'restart', paths: [] }]);
  });

  it('shows the overlay on a crash (with a late page too) and a failed build\'s last lines, and clears it on a good build', async () => {
    const { port, supervisor, proxy } = await startTestProxy({ appPort: await freePort() });
    const early = await listen(port, '');
    supervisor.send({ name: 'exit', payload: { code: 1, signal: null, next: 'wait', retryInMs: null } });
    const late = await listen(port, '');
    const crash = { event: 'overlay', data: { title: 'The app exited with code 1', lines: [] } };
    await until(() => early.events.length > 0 && late.events.length > 0, () => 'overlays');
    expect([early.events, late.events]).toEqual([[crash], [crash]]);

    supervisor.send({ name: 'build', payload: { phase: 'start', paths: [], count: 0 } });
    proxy.buildOutput('\u001b[31msrc/a.ts(1,1): error TS1005\u001b[39m');
    supervisor.send({ name: 'build', payload: { phase: 'failed', code: 2, signal: null, ms: 5, keeping: null } });
    await until(() => early.events.length > 1, () => 'build overlay');
    expect(early.events[1]).toEqual({ event: 'overlay', data: { title: 'The build failed (exit code 2)', lines: ['src/a.ts(1,1): error TS1005'] } });
    supervisor.send({ name: 'build', payload: { phase: 'ok', ms: 5 } });
    await until(() => early.events.length > 2, () => 'clear');
    expect(early.events[2]).toEqual({ event: 'clear', data: {} });
  });

  it('reloads pages for a --reload-only change without a new instance', async () => {
    const app = await startApp((_, response) => response.end('up'));
    const { port, supervisor, proxy } = await startTestProxy({ appPort: app.port });
    supervisor.send({ name: 'start', payload: { pid: 1 } });
    await until(() => supervisor.publishedOf('proxy').some((e) => e.phase === 'listening'), () => 'listening');
    await get(port);
    const current = (await get(port, '/__devreload/client.js')).status;
    expect(current).toBe(200);
    const page = await listen(port, 'whatever');
    await until(() => page.events.length > 0, () => 'the first reload (an old version)');
    proxy.reloadOnly(['/views/index.ejs']);
    await until(() => page.events.length > 1, () => 'the reload-only reload');
    expect(supervisor.publishedOf('reload').at(-1)).toEqual({ pages: 1, reason: 'reloadOnly', paths: ['views/index.ejs'] });
  });
});

describe('WebSocket upgrades', () => {
  it('forwards an upgrade and its bytes both ways, held until the instance is ready', async () => {
    const appPort = await freePort();
    const { port, supervisor, proxy } = await startTestProxy({ appPort });
    const socket = net.connect({ host: '127.0.0.1', port });
    await new Promise((resolve) => socket.once('connect', resolve));
    socket.write('GET /ws HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\nhello');
    let received = '';
    socket.setEncoding('utf8').on('data', (chunk: string) => (received += chunk));
    await until(() => proxy.waiting === 1, () => 'the upgrade held');
    const app = await startApp(() => undefined, appPort);
    app.server.on('upgrade', (request, upgraded, head) => {
      upgraded.write(`HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n${request.url} ${head.toString()}`);
      upgraded.on('data', (chunk: Buffer) => upgraded.write(`echo:${chunk.toString()}`));
    });
    supervisor.send({ name: 'start', payload: { pid: 1 } });
    await until(() => received.includes('/ws hello'), () => `the upgrade answer (got ${JSON.stringify(received)})`);
    socket.write('ping');
    await until(() => received.includes('echo:ping'), () => `the echo (got ${JSON.stringify(received)})`);
    socket.destroy();
  });
});
