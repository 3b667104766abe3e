import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { afterEach, describe, expect, it } from 'vitest';
import { defaultTableSource, parsePsOutput, readProcessTable, type ProcessEntry, type TableSource } from '../../src/process/table.js';
import { hasPs } from './host-tools.js';
import { waitUntil } from '../wait.js';

const SOURCES: TableSource[] = ['proc', 'ps'];
// Slim containers lack ps: its variants skip there, saying so, instead of failing to spawn it.
const unavailable = (source: TableSource) => source === 'ps' && !hasPs;
const label = (source: TableSource) => (unavailable(source) ? `${source} (skipped: ps is not on PATH)` : source);
const spawned: ChildProcess[] = [];

afterEach(() => {
  // Every test child is a group leader (detached) or a plain child: kill both ways.
  for (const child of spawned.splice(0)) {
    for (const target of [-(child.pid ?? 0), child.pid ?? 0]) {
      try {
        if (target !== 0) process.kill(target, 'SIGKILL');
      } catch {
        // already gone
      }
    }
  }
});

async function start(command: string, args: string[], detached: boolean): Promise<number> {
  const child = spawn(command, args, { detached, stdio: 'ignore' });
  spawned.push(child);
  await new Promise<void>((resolve, reject) => {
    child.once('spawn', resolve);
    child.once('error', reject);
  });
  if (child.pid === undefined) throw new Error(`no pid for ${command}`);
  return child.pid;
}

async function waitForEntry(
  source: TableSource,
  describeWanted: string,
  predicate: (entry: ProcessEntry) => boolean,
): Promise<ProcessEntry> {
  let table: ProcessEntry[] = [];
  return waitUntil(async () => (table = await readProcessTable(source)).find(predicate), {
    interval: 10,
    describe: () => `${describeWanted} in the ${source} table:\n${JSON.stringify(table)}`,
  });
}

function find(table: readonly ProcessEntry[], pid: number): ProcessEntry {
  const entry = table.find((candidate) => candidate.pid === pid);
  if (entry === undefined) throw new Error(`pid ${pid} missing from table of ${table.length} entries`);
  return entry;
}

describe.each(SOURCES.map((source) => [label(source), source] as const))('readProcessTable via %s', (_label, source) => {
  it.skipIf(unavailable(source))('lists the current process with its parent', async () => {
    const self = find(await readProcessTable(source), process.pid);
    expect(self.ppid).toBe(process.ppid);
    expect(self.zombie).toBe(false);
  });

  it.skipIf(unavailable(source))('gives a plain child our group and a detached child its own', async () => {
    const plain = await start('sleep', ['30'], false);
    const detached = await start('sleep', ['30'], true);
    const table = await readProcessTable(source);
    const self = find(table, process.pid);
    expect(find(table, plain)).toMatchObject({ ppid: process.pid, pgid: self.pgid, zombie: false });
    expect(find(table, detached)).toMatchObject({ ppid: process.pid, pgid: detached, zombie: false });
  });

  it.skipIf(unavailable(source))('flags an unreaped child as a zombie', async () => {
    // `sleep 0` exits at once; its parent execs into `sleep 30`, which never reaps it.
    const parent = await start('sh', ['-c', 'sleep 0 & exec sleep 30'], true);
    const zombie = await waitForEntry(source, `a zombie child of ${parent}`, (entry) => entry.ppid === parent && entry.zombie);
    expect(zombie.pgid).toBe(parent);
    expect(find(await readProcessTable(source), parent).zombie).toBe(false);
  });
});

describe('readProcessTable via proc only', () => {
  it('reads session ids and start times', async () => {
    const detached = await start('sleep', ['30'], true);
    const table = await readProcessTable('proc');
    const entry = find(table, detached);
    expect(entry.sid).toBe(detached);
    expect(entry.pgid).toBe(detached);
    expect(find(table, process.pid).sid).not.toBe(detached);
    expect(entry.startTime).toMatch(/^\d+$/);
    // The start time is stable across scans: it is an identity, not a clock reading.
    expect(find(await readProcessTable('proc'), detached).startTime).toBe(entry.startTime);
  });
});

describe.skipIf(!hasPs)('readProcessTable: /proc and ps side by side (needs ps)', () => {
  it('agree on pid, ppid and pgid', async () => {
    const pids = [
      await start('sleep', ['30'], false),
      await start('sleep', ['30'], true),
      await start('sh', ['-c', 'sleep 30 & wait'], true),
    ];
    const shell = pids[2] ?? 0;
    const grandchild = await waitForEntry('proc', `the sleep started by sh ${shell}`, (entry) => entry.ppid === shell);
    const [fromProc, fromPs] = await Promise.all([readProcessTable('proc'), readProcessTable('ps')]);
    const watched = [process.pid, ...pids, grandchild.pid];
    const pick = (entry: ProcessEntry) => ({ pid: entry.pid, ppid: entry.ppid, pgid: entry.pgid });
    expect(watched.map((pid) => pick(find(fromPs, pid)))).toEqual(watched.map((pid) => pick(find(fromProc, pid))));
  });

  it('agree on session ids (ps reads them with the procps-only `sid` keyword)', async () => {
    const pids = [process.pid, await start('sleep', ['30'], false), await start('sleep', ['30'], true)];
    const rows = execFileSync('ps', ['-o', 'pid=,sid=', '-p', pids.join(',')], { encoding: 'utf8' }).trim().split('\n');
    const fromPs = new Map(rows.map((row) => row.trim().split(/\s+/).map(Number) as [number, number]));
    const table = await readProcessTable('proc');
    expect(pids.map((pid) => find(table, pid).sid)).toEqual(pids.map((pid) => fromPs.get(pid)));
  });
});

describe('readProcessTable via ps without ps', () => {
  it('says that neither /proc nor ps is available', async () => {
    const saved = process.env.PATH;
    process.env.PATH = '/devreload-nonexistent';
    try {
      await expect(readProcessTable('ps')).rejects.toThrow('/proc is not available and `ps` was not found on PATH');
    } finally {
      process.env.PATH = saved;
    }
  });
});

describe('defaultTableSource', () => {
  const saved = process.env.DEVRELOAD_PROCESS_TABLE;
  afterEach(() => {
    if (saved === undefined) delete process.env.DEVRELOAD_PROCESS_TABLE;
    else process.env.DEVRELOAD_PROCESS_TABLE = saved;
  });

  it('prefers /proc on Linux and honours the override', () => {
    delete process.env.DEVRELOAD_PROCESS_TABLE;
    expect(defaultTableSource()).toBe('proc');
    process.env.DEVRELOAD_PROCESS_TABLE = 'ps';
    expect(defaultTableSource()).toBe('ps');
  });
});

describe('parsePsOutput', () => {
  it('reads ps output with padding, macOS states and junk lines', () => {
    const output = '    1     0     1 Ss\n  812     1   812 Z+\n\nnot a row\n 9000   812   812 R+\n';
    expect(parsePsOutput(output)).toEqual([
      { pid: 1, ppid: 0, pgid: 1, sid: undefined, zombie: false, startTime: undefined },
      { pid: 812, ppid: 1, pgid: 812, sid: undefined, zombie: true, startTime: undefined },
      { pid: 9000, ppid: 812, pgid: 812, sid: undefined, zombie: false, startTime: undefined },
    ]);
  });
});
