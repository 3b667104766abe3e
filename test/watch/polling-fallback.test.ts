import { mkdtemp, rm, utimes, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { PollingFallback } from '../../src/watch/polling-fallback.js';
import { waitUntil } from '../e2e/harness.js';

// Paths the OS refused to watch (ENOSPC) are polled. The poller's first reading is its baseline,
// so a write between the failure and that reading must still be reported.

let dir: string;
let fallback: PollingFallback | undefined;

afterEach(async () => {
  await fallback?.close();
  fallback = undefined;
  await rm(dir, { recursive: true, force: true });
});

describe('the polling fallback', () => {
  it('reports a file written right after it failed, before the poller read it, exactly once', async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'devreload-fallback-'));
    const file = path.join(dir, 'f.js');
    await writeFile(file, 'before\n');
    const events: string[] = [];
    fallback = new PollingFallback(() => false, (event, changed) => events.push(`${event} ${path.basename(changed)}`), (error) => {
      throw error;
    });
    fallback.add(file);
    // At once: the poller starts reading only after its 20 ms batch.
    await writeFile(file, 'written before the first poll\n');
    await waitUntil(() => events.length > 0, { describe: () => JSON.stringify(events) });
    // Past the look and two more polls: nothing reported twice.
    await new Promise((resolve) => setTimeout(resolve, 1500));
    expect(events).toEqual(['change f.js']);
  });

  it('does not report a file that did not change after it failed', async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'devreload-fallback-'));
    const file = path.join(dir, 'f.js');
    await writeFile(file, 'before\n');
    const old = new Date(Date.now() - 60_000);
    await utimes(file, old, old);
    const events: string[] = [];
    fallback = new PollingFallback(() => false, (event, changed) => events.push(`${event} ${changed}`), (error) => {
      throw error;
    });
    fallback.add(file);
    // The look comes two poll intervals after the poller started; then a write is the poller's.
    await new Promise((resolve) => setTimeout(resolve, 1500));
    expect(events).toEqual([]);
    await writeFile(file, 'later\n');
    await waitUntil(() => events.length > 0, { describe: () => JSON.stringify(events) });
    expect(events).toEqual([`change ${file}`]);
  });
});
