import { readdir, readFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { readProcessTable } from '../../src/process/table.js';
import { waitUntil } from '../wait.js';

// Shared by the test/process files that drive the fixtures in fixtures/process.

export const TIMEOUT_MS = 10_000;
const FIXTURES = resolve(import.meta.dirname, '../../fixtures/process');

export const fixture = (name: string): string => join(FIXTURES, name);

/** `node <fixture> ...args` as a command and its arguments. */
export const node = (script: string, ...args: string[]): { command: string; args: string[] } => ({
  command: process.execPath,
  args: [fixture(script), ...args],
});

/** Polls `probe` until it returns a value; the timeout error lists the files in `dir` and the last error. */
export function waitFor<T>(dir: string, what: string, probe: () => Promise<T | undefined>): Promise<T> {
  return waitUntil(probe, { timeout: TIMEOUT_MS, interval: 10, describe: async () => `${what}; files in ${dir}: ${(await readdir(dir).catch(() => [])).join(', ')}` });
}

/** The {pid} a fixture wrote to `dir/name` once it was ready. */
export const report = (dir: string, name: string): Promise<{ pid: number }> =>
  waitFor(dir, `report ${name}`, async () => JSON.parse(await readFile(join(dir, name), 'utf8')) as { pid: number });

/** Alive = in the table and not a zombie (this machine's init reaps orphans lazily). */
export async function isLive(pid: number): Promise<boolean> {
  return (await readProcessTable('proc')).some((entry) => entry.pid === pid && !entry.zombie);
}

export const waitDead = (dir: string, pid: number): Promise<true> =>
  waitFor(dir, `pid ${pid} to die`, async () => ((await isLive(pid)) ? undefined : true));

/** Rejects with a message naming `what` if `promise` takes longer than the test timeout. */
export const withTimeout = <T>(promise: Promise<T>, what: string): Promise<T> =>
  Promise.race([promise, new Promise<never>((_, fail) => setTimeout(() => fail(new Error(`timed out: ${what}`)), TIMEOUT_MS))]);

/** Kills the process groups and pids given, ignoring those already gone. */
export function killAll(targets: readonly number[]): void {
  for (const target of targets) {
    // 0, 1 and -1 would address our own group or everything (kill(0), kill(-1)): never.
    if (!Number.isInteger(target) || Math.abs(target) <= 1) continue;
    try {
      process.kill(target, 'SIGKILL');
    } catch {
      // already gone
    }
  }
}
