import { describe, expect, it } from 'vitest';
import { ReloadBatch } from '../../src/proxy/reload-batch.js';
import { attachProxy } from '../../src/supervisor/proxy-wiring.js';
import { createLogger } from '../../src/log/logger.js';
import { resolveOptions } from '../../src/options/resolve.js';
import type { DevProxyOptions } from '../../src/proxy/dev-proxy.js';
import { FakeClock, fakePorts } from '../supervisor/fakes.js';

function setup(delay = 30) {
  const clock = new FakeClock();
  const flushed: Array<readonly string[]> = [];
  const batch = new ReloadBatch(clock, { delay, burstThreshold: 2, burstDelay: 150 }, (paths) => flushed.push(paths));
  return { clock, flushed, batch };
}

describe('ReloadBatch: --reload-only changes coalesced like a restart\'s', () => {
  it('one save: one reload once --delay passed since it', async () => {
    const { clock, flushed, batch } = setup(200);
    batch.add('/p/views/a.ejs');
    await clock.advance(199);
    expect(flushed).toEqual([]);
    await clock.advance(1);
    expect(flushed).toEqual([['/p/views/a.ejs']]);
  });

  it('a burst: the window starts over with each change and widens to the burst window; each path once', async () => {
    const { clock, flushed, batch } = setup();
    batch.add('/p/views/0.ejs');
    await clock.advance(20);
    // From the second file on, 100 ms apart is within the (burst) window.
    for (let index = 1; index < 10; index++) {
      batch.add(`/p/views/${index}.ejs`);
      batch.add(`/p/views/${index - 1}.ejs`);
      await clock.advance(100);
    }
    expect(flushed).toEqual([]);
    await clock.advance(50);
    expect(flushed).toEqual([Array.from({ length: 10 }, (_, index) => `/p/views/${index}.ejs`)]);
    // The next batch starts afresh: a single save waits --delay again.
    batch.add('/p/views/0.ejs');
    await clock.advance(30);
    expect(flushed).toHaveLength(2);
  });

  it('a compiler\'s files for one source are one save, not a burst', async () => {
    const { clock, flushed, batch } = setup();
    batch.add('/p/public/app.js');
    batch.add('/p/public/app.js.map');
    await clock.advance(30);
    expect(flushed).toEqual([['/p/public/app.js', '/p/public/app.js.map']]);
  });

  it('close() drops a waiting batch, twice safely', async () => {
    const { clock, flushed, batch } = setup();
    batch.add('/p/views/a.ejs');
    batch.close();
    batch.close();
    await clock.advance(1000);
    expect(flushed).toEqual([]);
    expect(clock.pending).toBe(0);
  });
});

describe('the proxy\'s wiring', () => {
  it('--delay reaches the --reload-only quiet window, and the supervisor\'s clock the proxy', async () => {
    const { ports } = fakePorts();
    let given: DevProxyOptions | undefined;
    ports.proxy = (options) => {
      given = options;
      return Promise.reject(new Error('recorded'));
    };
    const options = resolveOptions({ command: 'node', proxy: '3001:3000', delay: 700, reloadOnly: 'views/**' });
    const logger = createLogger({ level: 'quiet', cwd: '/', command: 'node', stream: process.stderr, env: {} });
    const events = { on: () => undefined, off: () => undefined };
    await expect(attachProxy(events, { options, internal: { naming: 'cli' }, ports, logger, sockets: null, readyCheck: undefined, publish: () => undefined })).rejects.toThrow('recorded');
    expect(given?.quiet).toEqual({ delay: 700, burstThreshold: 2, burstDelay: 150 });
    expect(given?.clock).toBe(ports.clock);
  });
});
