import net from 'node:net';
import { promisify } from 'node:util';
import zlib from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { freePort } from '../e2e/harness.js';
import { waitUntil } from '../wait.js';
import { FakeClock } from '../supervisor/fakes.js';
import { get, listen, startApp, startTestProxy } from './helpers.js';

const page = '<!doctype html><html><head><title>t</title></head><body><h1>café</h1></body></html>';
const tagPattern = /<title>t<\/title><script src="\/__devreload\/client\.js\?v=[^"]+" async><\/script><\/head>/;

describe('holding requests while no instance is ready', () => {
  it('holds a request until the instance accepts, then forwards it (and says how long it waited)', async () => {
    const appPort = await freePort();
    const clock = new FakeClock();
    const { port, supervisor, proxy } = await startTestProxy({ appPort, clock });
    // Nothing listens yet: the request must wait, not be refused.
    const answer = get(port, '/hello');
    let settled = false;
    void answer.finally(() => (settled = true));
    supervisor.send({ name: 'start', payload: { pid: 1 } });
    await waitUntil(() => proxy.waiting === 1, { describe: () => 'the request held' });
    await clock.advance(250);
    expect([settled, proxy.waiting]).toEqual([false, 1]);
    await startApp((request, response) => response.end(`app saw ${request.url}`), appPort);
    const { status, body } = await answer;
    expect({ status, body: body.toString() }).toEqual({ status: 200, body: 'app saw /hello' });
    expect(supervisor.publishedOf('proxy').filter((e) => e.phase === 'released')).toEqual([{ phase: 'released', requests: 1, waitedMs: 250 }]);
  });

  it('holds from the stop until the next instance is ready, with the old one still accepting', async () => {
    const app = await startApp((_, response) => response.end('old'));
    const { port, supervisor, proxy } = await startTestProxy({ appPort: app.port, reportsReady: true });
    supervisor.send({ name: 'ready', payload: { pid: 1, ms: 1, restartMs: null, address: null } });
    expect((await get(port)).body.toString()).toBe('old');
    supervisor.send({ name: 'stop', payload: { pid: 1, signal: 'SIGTERM', reason: 'restart' } });
    const held = get(port);
    let settled = false;
    void held.finally(() => (settled = true));
    await waitUntil(() => proxy.waiting === 1, { describe: () => 'the request held' });
    // The old instance still accepts, but it is being stopped: nothing goes to it.
    expect(settled).toBe(false);
    app.server.removeAllListeners('request');
    app.server.on('request', (_, response) => response.end('new'));
    supervisor.send({ name: 'ready', payload: { pid: 2, ms: 1, restartMs: null, address: null } });
    expect((await held).body.toString()).toBe('new');
  });

  it('answers 502 with devreload\'s message once the bound passes, and reports it', async () => {
    const clock = new FakeClock();
    const { port, supervisor, proxy, log } = await startTestProxy({ appPort: await freePort(), clock });
    const answers = Promise.all([get(port, '/'), get(port, '/', { accept: 'text/html' })]);
    await waitUntil(() => proxy.waiting === 2, { describe: () => 'both requests held' });
    await clock.advance(29_999);
    expect(proxy.waiting).toBe(2);
    await clock.advance(1);
    const [text, html] = await answers;
    expect(text.status).toBe(502);
    expect(text.body.toString()).toMatch(/^devreload: the app was not ready within 30 s\n/);
    expect(html.status).toBe(502);
    expect(html.headers['content-type']).toMatch(/^text\/html/);
    // devreload's own page reloads itself once an instance is ready.
    expect(html.body.toString()).toContain('<script src="/__devreload/client.js?v=" async></script>');
    expect(supervisor.publishedOf('proxy').filter((e) => e.phase === 'timedOut')).toHaveLength(2);
    expect(log.join('\n')).toMatch(/no instance was ready — answered 502/);
  });

  it('answers with the failure at once when the app exited and nothing starts until a change', async () => {
    const { port, supervisor, proxy } = await startTestProxy({ appPort: await freePort() });
    const held = get(port);
    await waitUntil(() => proxy.waiting === 1, { describe: () => 'the request held' });
    supervisor.send({ name: 'exit', payload: { code: 3, signal: null, next: 'wait', retryInMs: null } });
    const answer = await held;
    expect(answer.status).toBe(502);
    expect(answer.body.toString()).toMatch(/^devreload: The app exited with code 3\nFixing the file reloads this page\./);
    expect(supervisor.publishedOf('proxy').find((e) => e.phase === 'failed')).toMatchObject({ requests: 1 });
    // A change: the next instance is coming, so requests wait for it again.
    supervisor.send({ name: 'change', payload: { paths: ['a.js'], count: 1 } });
    void get(port).catch(() => undefined);
    await waitUntil(() => proxy.waiting === 1, { describe: () => 'the request held again' });
  });

  it('holds again when an instance is started after a failure without a change (rs)', async () => {
    const { port, supervisor, proxy } = await startTestProxy({ appPort: await freePort() });
    supervisor.send({ name: 'spawnError', payload: { message: 'command not found: nope', fatal: false } });
    expect((await get(port)).status).toBe(502);
    supervisor.send({ name: 'restart', payload: { pid: 9, ms: 1, paths: [], count: 0 } });
    void get(port).catch(() => undefined);
    await waitUntil(() => proxy.waiting === 1, { describe: () => 'the request held' });
  });

  it('sends a request the stopping instance dropped to the next instance', async () => {
    const appPort = await freePort();
    // The first instance dies under the request, as an app without a SIGTERM handler does.
    const first = await startApp(() => void first.close(), appPort);
    const { port, supervisor } = await startTestProxy({ appPort, reportsReady: true });
    supervisor.send({ name: 'ready', payload: { pid: 1, ms: 1, restartMs: null, address: null } });
    const answer = get(port, '/again');
    await new Promise((resolve) => first.server.once('close', resolve));
    supervisor.send({ name: 'stop', payload: { pid: 1, signal: 'SIGTERM', reason: 'restart' } });
    await startApp((request, response) => response.end(`second ${request.url}`), appPort);
    supervisor.send({ name: 'ready', payload: { pid: 2, ms: 1, restartMs: null, address: null } });
    expect((await answer).body.toString()).toBe('second /again');
  });

  it('answers 502 at once when a running app closes the connection without answering', async () => {
    const app = await startApp((request) => request.socket.destroy());
    const { port, supervisor } = await startTestProxy({ appPort: app.port, reportsReady: true });
    supervisor.send({ name: 'ready', payload: { pid: 1, ms: 1, restartMs: null, address: null } });
    const answer = await get(port, '/drop');
    expect(answer.status).toBe(502);
    expect(answer.body.toString()).toMatch(/^devreload: the app closed the connection without answering\nGET \/drop/);
  });

  it('closes idempotently: its port is free again and held requests are answered', async () => {
    const { proxy, port } = await startTestProxy({ appPort: await freePort() });
    const held = get(port);
    await waitUntil(() => proxy.waiting === 1, { describe: () => 'the request held' });
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
    // Raw deflate, as some servers send it (and browsers accept).
    'deflate (raw)': promisify(zlib.deflateRaw),
    br: promisify(zlib.brotliCompress),
  };

  it.each(Object.keys(encodings) as Array<keyof typeof encodings>)('puts one script tag into a %s page, with a right Content-Length or none', async (encoding) => {
    const compressed = await encodings[encoding](Buffer.from(page));
    const app = await startApp((_, response) => {
      response.writeHead(200, { 'content-type': 'text/html; charset=utf-8', 'content-length': compressed.length, etag: '"1"', ...(encoding === 'identity' ? {} : { 'content-encoding': encoding.split(' ')[0] }) });
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
    // An identity page's length is known ahead (the app's plus the tag's); a decoded one's only at its end.
    if (encoding === 'identity') expect(Number(answer.headers['content-length'])).toBe(answer.body.length);
    else expect([answer.headers['content-length'], answer.headers['transfer-encoding']]).toEqual([undefined, 'chunked']);
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
    expect((await get(port)).body.toString()).toMatch(/<script src="\/__devreload\/client\.js\?v=[^"]+" async nonce="abc123"><\/script>/);
  });

  it('serves the client from its own origin, and no other /__devreload/ path', async () => {
    const { port } = await startTestProxy({ appPort: await freePort() });
    const client = await get(port, '/__devreload/client.js');
    expect(client.status).toBe(200);
    expect(client.headers['content-type']).toMatch(/^text\/javascript/);
    expect(client.body.toString()).toContain("new EventSource('/__devreload/events')");
    expect((await get(port, '/__devreload/other')).status).toBe(404);
  });
});

describe('the events stream', () => {
  it('tells the browser which version is ready only once it is: the version its new pages carry', async () => {
    const appPort = await freePort();
    const { port, supervisor, proxy } = await startTestProxy({ appPort });
    const stream = await listen(port);
    supervisor.send({ name: 'start', payload: { pid: 1 } });
    // Spawned, not listening yet: not ready (a request waits), so no version is sent.
    const held = get(port);
    await waitUntil(() => proxy.waiting === 1, { describe: () => 'the request held' });
    await startApp((_, response) => {
      response.writeHead(200, { 'content-type': 'text/html' });
      response.end('<head></head>up');
    }, appPort);
    const tagged = /client\.js\?v=([^"]+)"/.exec((await held).body.toString())?.[1];
    await waitUntil(() => stream.states().length === 2, { describe: () => `a ready state (got ${JSON.stringify(stream.events)})` });
    expect(stream.states()).toEqual([{ version: null, overlay: null }, { version: tagged, overlay: null }]);
    expect(tagged).toMatch(/^[0-9a-f]{8}\.1$/);
    expect(supervisor.publishedOf('reload')).toEqual([{ connections: 1, reason: 'restart', paths: [] }]);
  });

  it('shows the overlay on a crash (to a browser that connects later too) and a failed build\'s last lines, and clears it on a good build', async () => {
    const { port, supervisor, proxy } = await startTestProxy({ appPort: await freePort() });
    const early = await listen(port);
    supervisor.send({ name: 'exit', payload: { code: 1, signal: null, next: 'wait', retryInMs: null } });
    const late = await listen(port);
    const crash = { version: null, overlay: { title: 'The app exited with code 1', lines: [] } };
    await waitUntil(() => early.states().length > 1 && late.states().length > 0, { describe: () => 'overlays' });
    expect([early.states(), late.states()]).toEqual([[{ version: null, overlay: null }, crash], [crash]]);

    supervisor.send({ name: 'build', payload: { phase: 'start', paths: [], count: 0 } });
    proxy.buildOutput('\u001b[31msrc/a.ts(1,1): error TS1005\u001b[39m');
    supervisor.send({ name: 'build', payload: { phase: 'failed', code: 2, signal: null, ms: 5, keeping: null } });
    await waitUntil(() => early.states().length > 2, { describe: () => 'build overlay' });
    expect(early.states()[2]).toEqual({ version: null, overlay: { title: 'The build failed (exit code 2)', lines: ['src/a.ts(1,1): error TS1005'] } });
    supervisor.send({ name: 'build', payload: { phase: 'ok', ms: 5 } });
    await waitUntil(() => early.states().length > 3, { describe: () => 'clear' });
    expect(early.states()[3]).toEqual({ version: null, overlay: null });
  });

  it('reloads the pages once for a batch of --reload-only changes, after the quiet window, without a new instance', async () => {
    const app = await startApp((_, response) => response.end('up'));
    const clock = new FakeClock();
    const quiet = { delay: 30, burstThreshold: 2, burstDelay: 150 };
    const { port, supervisor, proxy } = await startTestProxy({ appPort: app.port, clock, quiet, cwd: '/project' });
    supervisor.send({ name: 'start', payload: { pid: 1 } });
    expect((await get(port)).body.toString()).toBe('up');
    const stream = await listen(port);
    await waitUntil(() => stream.states().length === 1, { describe: () => 'the state on connecting' });
    const ready = stream.states()[0]?.version;
    proxy.reloadOnly(['/project/views/a.ejs']);
    proxy.reloadOnly(['/project/views/b.ejs', '/project/views/a.ejs']);
    await clock.advance(100);
    proxy.reloadOnly(['/project/views/c.ejs']);
    // A burst: the window is the burst window (150 ms) from the last change.
    await clock.advance(149);
    expect(supervisor.publishedOf('reload')).toEqual([]);
    await clock.advance(1);
    expect(supervisor.publishedOf('reload')).toEqual([{ connections: 1, reason: 'reloadOnly', paths: ['views/a.ejs', 'views/b.ejs', 'views/c.ejs'] }]);
    await waitUntil(() => stream.states().length === 2, { describe: () => 'the reload-only state' });
    expect(stream.states()[1]?.version).not.toBe(ready);
    // A single change waits for --delay only.
    proxy.reloadOnly(['/project/views/a.ejs']);
    await clock.advance(30);
    expect(supervisor.publishedOf('reload')).toHaveLength(2);
    // A failed build's overlay outlives a reload: the last good instance still serves.
    supervisor.send({ name: 'build', payload: { phase: 'failed', code: 2, signal: null, ms: 5, keeping: 1 } });
    proxy.reloadOnly(['/project/views/b.ejs']);
    await clock.advance(30);
    await waitUntil(() => stream.states().length === 5, { describe: () => `the overlay, then the reload (${JSON.stringify(stream.states())})` });
    const [overlaid, reloaded] = stream.states().slice(3);
    expect(reloaded?.overlay).toEqual({ title: 'The build failed (exit code 2)', lines: [] });
    expect(reloaded?.version).not.toBe(overlaid?.version);
  });
});

/** Errors nothing handled while `run` ran: each would have ended devreload with a stack trace. */
async function uncaughtDuring(run: () => Promise<void>): Promise<unknown[]> {
  const uncaught: unknown[] = [];
  const record = (error: unknown) => void uncaught.push(error);
  process.on('uncaughtException', record);
  try {
    await run();
  } finally {
    process.off('uncaughtException', record);
  }
  return uncaught;
}

/** A raw connection to the proxy that has sent `head`, and is held there. */
async function heldConnection(port: number, proxy: { waiting: number }, head: string): Promise<net.Socket> {
  const socket = net.connect({ host: '127.0.0.1', port });
  await new Promise((resolve) => socket.once('connect', resolve));
  socket.on('error', () => undefined);
  socket.write(head);
  await waitUntil(() => proxy.waiting === 1, { describe: () => `the proxy holding ${JSON.stringify(head.split('\r\n')[0])}` });
  return socket;
}

describe('clients that reset their connection', () => {
  it('an upgrade held for the next instance: the proxy stays up and forgets it', async () => {
    const { port, proxy } = await startTestProxy({ appPort: await freePort() });
    const uncaught = await uncaughtDuring(async () => {
      const socket = await heldConnection(port, proxy, 'GET /ws HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n');
      socket.resetAndDestroy();
      await waitUntil(() => proxy.waiting === 0, { describe: () => 'the held upgrade let go' });
    });
    expect(uncaught).toEqual([]);
    expect((await get(port, '/__devreload/client.js')).status).toBe(200);
  });

  it('a request whose body was cut off while held, and a live-reload stream', async () => {
    const { port, proxy, supervisor } = await startTestProxy({ appPort: await freePort() });
    const uncaught = await uncaughtDuring(async () => {
      const socket = await heldConnection(port, proxy, 'POST /form HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\nhalf');
      socket.resetAndDestroy();
      await waitUntil(() => proxy.waiting === 0, { describe: () => 'the held request let go' });
      const stream = net.connect({ host: '127.0.0.1', port });
      stream.on('error', () => undefined);
      stream.write('GET /__devreload/events HTTP/1.1\r\nHost: x\r\n\r\n');
      await new Promise((resolve) => stream.once('data', resolve));
      stream.resetAndDestroy();
      // Something for the proxy to write to every stream, the reset one included.
      supervisor.send({ name: 'exit', payload: { code: 1, signal: null, next: 'wait', retryInMs: null } });
      expect((await get(port, '/')).status).toBe(502);
    });
    expect(uncaught).toEqual([]);
  });
});

describe('clients that reset their connection mid-way', () => {
  it('a body cut off on its way to the app: the app\'s request ends too, and nothing is left uncaught', async () => {
    let appSide: import('node:http').IncomingMessage | undefined;
    let appClosed = false;
    const app = await startApp((request) => {
      appSide = request;
      request.on('close', () => (appClosed = true));
      request.resume();
    });
    const { port, supervisor } = await startTestProxy({ appPort: app.port, reportsReady: true });
    supervisor.send({ name: 'ready', payload: { pid: 1, ms: 1, restartMs: null, address: null } });
    const uncaught = await uncaughtDuring(async () => {
      const socket = net.connect({ host: '127.0.0.1', port });
      socket.on('error', () => undefined);
      await new Promise((resolve) => socket.once('connect', resolve));
      socket.write('POST /upload HTTP/1.1\r\nHost: x\r\nContent-Length: 1000000\r\n\r\nfirst bytes');
      await waitUntil(() => appSide !== undefined, { describe: () => 'the request at the app' });
      socket.resetAndDestroy();
      await waitUntil(() => appClosed, { describe: () => 'the app\'s request closed' });
    });
    expect(uncaught).toEqual([]);
    expect(appSide?.complete).toBe(false);
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
    await waitUntil(() => proxy.waiting === 1, { describe: () => 'the upgrade held' });
    const app = await startApp(() => undefined, appPort);
    app.server.on('upgrade', (request, upgraded, head) => {
      upgraded.write(`HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n${request.url} ${head.toString()}`);
      upgraded.on('data', (chunk: Buffer) => upgraded.write(`echo:${chunk.toString()}`));
    });
    supervisor.send({ name: 'start', payload: { pid: 1 } });
    await waitUntil(() => received.includes('/ws hello'), { describe: () => `the upgrade answer (got ${JSON.stringify(received)})` });
    socket.write('ping');
    await waitUntil(() => received.includes('echo:ping'), { describe: () => `the echo (got ${JSON.stringify(received)})` });
    socket.destroy();
  });
});
