import { vi } from 'vitest';

export interface WaitOptions {
  /** What is awaited, for the error on timeout (only then called): what the test saw meanwhile. */
  readonly describe: () => string | Promise<string>;
  /** Default 15 s: long enough for a loaded machine, never a measure of speed. */
  readonly timeout?: number;
  /** Between two checks; default 20 ms. */
  readonly interval?: number;
}

/**
 * The tests' one way to wait for something that has no event of its own (a process gone from
 * the table, a file written, chokidar listing a folder): `probe` is called until it gives a value
 * other than undefined or false, which is returned. A probe that throws is not ready yet (a file
 * half written); on timeout the error names what was awaited, and the probe's last error.
 * vi.waitFor does the polling (on real timers, one probe at a time).
 */
export async function waitUntil<T>(probe: () => T | undefined | false | Promise<T | undefined | false>, options: WaitOptions): Promise<T> {
  const timeout = options.timeout ?? 15_000;
  let last: unknown;
  try {
    return await vi.waitFor(
      async () => {
        let value: T | undefined | false;
        try {
          value = await probe();
        } catch (error) {
          last = error;
          throw error;
        }
        if (value === undefined || value === false) throw new Error('not yet');
        return value;
      },
      { timeout, interval: options.interval ?? 20 },
    );
  } catch {
    const lastError = last === undefined ? '' : `; last error: ${String(last)}`;
    throw new Error(`timed out after ${timeout} ms waiting for ${await options.describe()}${lastError}`);
  }
}
