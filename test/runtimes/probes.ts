import { readFile } from 'node:fs/promises';
import http from 'node:http';
import { readProcessTable, type ProcessEntry } from '../../src/process/table.js';
import { jsonEvents, type Devreload } from '../e2e/harness.js';
import { waitUntil } from '../wait.js';

/**
 * One GET to 127.0.0.1:`port` on a fresh connection that the server closes after answering: no
 * keep-alive connection is left to delay an old instance's stop or to pin a gunicorn worker.
 * Undefined when nothing answered (refused, reset while the server stops).
 */
export async function get(port: number): Promise<string | undefined> {
  return await new Promise((resolve) => {
    const request = http.get({ host: '127.0.0.1', port, path: '/', agent: false, headers: { connection: 'close' }, timeout: 10_000 }, (response) => {
      let body = '';
      response.setEncoding('utf8');
      response.on('data', (chunk: string) => (body += chunk));
      response.on('end', () => resolve(response.statusCode === 200 ? body : undefined));
      response.on('error', () => resolve(undefined));
    });
    request.on('error', () => resolve(undefined));
    request.on('timeout', () => request.destroy());
  });
}

/** The first answer the server on `port` gives (it may still be starting). */
export function answer(port: number, describe: () => string, timeout = 30_000): Promise<string> {
  return waitUntil(() => get(port), { timeout, interval: 50, describe: () => `an answer on 127.0.0.1:${port}\n${describe()}` });
}

/**
 * The process table from /proc, whatever DEVRELOAD_PROCESS_TABLE says: only /proc gives session
 * ids, and the variable is devreload's to use (the suite can run with it set to `ps`).
 */
async function table(): Promise<ProcessEntry[]> {
  return await readProcessTable('proc');
}

/** Live processes of the session led by `leader` (an app instance: devreload starts each in its own session). */
export async function sessionOf(leader: number, entries?: ProcessEntry[]): Promise<ProcessEntry[]> {
  return (entries ?? (await table())).filter((p) => p.sid === leader && !p.zombie);
}

/** Every live process of the sessions led by `leaders`: what is left of those instances. */
export async function sessionsOf(leaders: readonly number[]): Promise<ProcessEntry[]> {
  return (await table()).filter((p) => p.sid !== undefined && leaders.includes(p.sid) && !p.zombie);
}

/** The app instance devreload runs (found from the process table, for runs without `--json`). */
export async function leaderOf(d: Devreload): Promise<number> {
  const entries = await table();
  const leaders: number[] = [];
  for (const child of entries.filter((p) => p.ppid === d.pid && p.pgid === p.pid && !p.zombie)) {
    if ((await sessionOf(child.pid, entries)).length > 0 && !(await isWatchdog(child.pid))) leaders.push(child.pid);
  }
  if (leaders.length !== 1) throw new Error(`expected one app instance under devreload ${d.pid}, found ${JSON.stringify(leaders)}\n${d.output}`);
  return leaders[0]!;
}

async function isWatchdog(pid: number): Promise<boolean> {
  return (await readFile(`/proc/${pid}/cmdline`, 'utf8').catch(() => '')).includes('watchdog');
}

/** The pid of the instance devreload started last (`start`, then one `restart` per new instance). */
export function currentLeader(d: Devreload): number {
  const spawned = jsonEvents(d).filter((e) => e.event === 'start' || e.event === 'restart');
  const pid = spawned.at(-1)?.pid;
  if (pid === undefined) throw new Error(`no start or restart event yet\n${d.output}`);
  return pid;
}

/** Waits for an async condition, re-checked until it holds; the error shows `describe()`. */
export async function eventually(check: () => Promise<boolean>, describe: () => string, timeout = 30_000): Promise<void> {
  await waitUntil(check, { timeout, interval: 50, describe });
}
