import { performance } from 'node:perf_hooks';
import { afterEach, describe, expect, it } from 'vitest';
import type { Instance } from '../../src/process/instance.js';
import { builtPreload, firstReply, get, handOff, Resources, socketFixture } from './helpers.js';
import { waitUntil } from '../wait.js';

// The bare instance loop devreload's supervisor will run, driven here by hand: stop the
// instance (SIGTERM, wait until every process is gone), then start the next one. The socket
// stays in this process the whole time, so a client never finds the port closed.
const RESTARTS = 20;

const resources = new Resources();
afterEach(() => resources.cleanUp());

interface Request {
  start: number;
  end: number;
  pid?: number;
  error?: string;
}

/** Back-to-back GETs, each on a new connection, until stop() is called. */
function client(port: number) {
  const requests: Request[] = [];
  let running = true;
  const done = (async () => {
    while (running) {
      const start = performance.now();
      try {
        const reply = await get(port);
        requests.push({ start, end: performance.now(), pid: (JSON.parse(reply.body) as { pid: number }).pid });
      } catch (error) {
        requests.push({ start, end: performance.now(), error: (error as NodeJS.ErrnoException).code ?? String(error) });
      }
    }
  })();
  return {
    requests,
    async stop(): Promise<Request[]> {
      running = false;
      await done;
      return requests;
    },
  };
}

describe.each([
  // With the preload, as devreload runs it: on Node 26 http's close() would reset the connections
  // the app accepted and had not read yet (src/socket/keep-accepted.cts).
  { app: 'an app that listens on fd 3', script: 'fd3-server.js', args: [] as string[], usesPreload: true },
  { app: 'an unmodified server.listen(port) (via the preload)', script: 'plain-server.js', args: ['port'], usesPreload: true },
])('restarting $app on a handed-off socket', ({ script, args, usesPreload }) => {
  it(`refuses and fails no request through ${RESTARTS} restarts`, async () => {
    const { env, fds, port } = await handOff(resources, usesPreload ? builtPreload : false);
    const spec = { command: process.execPath, args: [socketFixture(script), ...args, String(port)], cwd: process.cwd(), env, fds };
    const gaps: { from: number; to: number }[] = [];
    const pids: number[] = [];

    let instance: Instance = await resources.start(spec);
    pids.push(instance.pid);
    await firstReply(instance, port);
    const load = client(port);
    for (let restart = 0; restart < RESTARTS; restart += 1) {
      // Let the client reach this instance before it goes.
      const served = load.requests.length;
      await waitUntil(() => load.requests.length >= served + 2, { interval: 5, describe: () => `two requests served by instance ${instance.pid}` });
      await instance.signal('SIGTERM');
      await instance.gone;
      const from = performance.now();
      instance = await resources.start(spec);
      gaps.push({ from, to: performance.now() });
      pids.push(instance.pid);
    }
    const last = load.requests.length;
    await waitUntil(() => load.requests.length >= last + 2, { interval: 5, describe: () => `two requests served by the last instance` });
    const requests = await load.stop();

    const failed = requests.filter((r) => r.error !== undefined);
    expect(failed, `failed requests (of ${requests.length})`).toEqual([]);
    // Every instance served, and in every gap (no process had the socket open to accept) a
    // request was in flight: it waited in the queue instead of being refused.
    const servedBy = new Set(requests.map((r) => r.pid));
    expect(pids.filter((pid) => !servedBy.has(pid)), 'instances that served nothing').toEqual([]);
    const uncovered = gaps.filter((gap) => !requests.some((r) => r.start <= gap.to && r.end >= gap.from));
    expect(uncovered, 'gaps without a request in flight').toEqual([]);
  }, 120_000);
});
