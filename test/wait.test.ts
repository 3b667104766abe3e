import { describe, expect, it } from 'vitest';
import { waitUntil } from './wait.js';

describe('waitUntil, the tests’ wait helper', () => {
  it('returns the probe’s first value that is not undefined or false, sync or async', async () => {
    let calls = 0;
    expect(await waitUntil(() => (++calls >= 3 ? `ready after ${calls}` : undefined), { interval: 1, describe: () => 'three calls' })).toBe('ready after 3');
    expect(await waitUntil(async () => 0, { describe: () => 'zero' })).toBe(0);
  });

  it('on timeout, names what it waited for and the probe’s last error', async () => {
    let calls = 0;
    const probe = () => {
      calls += 1;
      if (calls % 2 === 0) throw new Error(`ENOENT ${calls}`);
      return false;
    };
    await expect(waitUntil(probe, { timeout: 100, interval: 5, describe: () => 'the report file' })).rejects.toThrow(
      /^timed out after 100 ms waiting for the report file; last error: Error: ENOENT \d+$/,
    );
  });
});
