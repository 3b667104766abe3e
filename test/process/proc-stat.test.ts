import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm, symlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { parseProcStat, readProcStat, type ProcStat } from '../../src/process/proc-stat.js';
import { hasScript } from './host-tools.js';
import { waitUntil } from '../wait.js';

const SLEEP = spawnSync('sh', ['-c', 'command -v sleep'], { encoding: 'utf8' }).stdout.trim();
const spawned: ChildProcess[] = [];
let dir = '';

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'devreload-proc-stat-'));
});

afterEach(async () => {
  for (const child of spawned.splice(0)) child.kill('SIGKILL');
  await rm(dir, { recursive: true, force: true });
});

async function start(command: string, detached = false): Promise<number> {
  const child = spawn(command, ['30'], { detached, stdio: 'ignore' });
  spawned.push(child);
  await new Promise<void>((resolve, reject) => {
    child.once('spawn', resolve);
    child.once('error', reject);
  });
  if (child.pid === undefined) throw new Error(`no pid for ${command}`);
  return child.pid;
}

/**
 * The stat of `pid` once it has exec'd `comm` and sleeps (right after spawn it may still be
 * Node's fork, then running sleep's start-up). A misparsed line never matches: the timeout names it.
 */
async function statAsleep(pid: number, comm: string): Promise<ProcStat> {
  let last: ProcStat | undefined;
  return waitUntil(() => {
    last = readProcStat(pid);
    return last?.comm === comm && last.state === 'S' ? last : undefined;
  }, {
    interval: 5,
    describe: () => `pid ${pid} to show comm ${JSON.stringify(comm)} asleep; last stat: ${JSON.stringify(last)}`,
  });
}

describe('readProcStat on the real /proc', () => {
  it('reads this process: pid, parent, running state and a start time', () => {
    const self = readProcStat('self');
    expect(self).toMatchObject({ pid: process.pid, ppid: process.ppid, comm: expect.any(String), state: 'R' });
    expect(self?.startTime).toMatch(/^\d+$/);
    expect(readProcStat(process.pid)?.startTime).toBe(self?.startTime);
  });

  it('sees a plain child in our group, session and terminal, and a detached one in its own without a terminal', async () => {
    const self = readProcStat('self');
    if (self === undefined) throw new Error('no /proc/self/stat');
    const plain = await statAsleep(await start(SLEEP), 'sleep');
    expect(plain).toMatchObject({ ppid: process.pid, pgrp: self.pgrp, session: self.session, ttyNr: self.ttyNr, tpgid: self.tpgid });
    const detachedPid = await start(SLEEP, true);
    const detached = await statAsleep(detachedPid, 'sleep');
    // setsid(): leader of a new session and group, no controlling terminal (tty 0, tpgid -1).
    expect(detached).toMatchObject({ pid: detachedPid, ppid: process.pid, pgrp: detachedPid, session: detachedPid, ttyNr: 0, tpgid: -1 });
    // Start times are clock ticks since boot: a later process never started earlier.
    expect(BigInt(detached.startTime) >= BigInt(plain.startTime)).toBe(true);
  });

  it.each(['two words', 'a) S 1 (b', ') R 1 2 3 (', '((x))', 'long name ) Z 1 2 (overflow'])(
    'reads the real stat of a process named %j (spaces and parentheses in comm)',
    async (name) => {
      const link = join(dir, name);
      await symlink(SLEEP, link);
      const pid = await start(link);
      // The kernel keeps the first 15 bytes of the name.
      const stat = await statAsleep(pid, name.slice(0, 15));
      expect(stat).toMatchObject({ pid, ppid: process.pid, pgrp: readProcStat('self')?.pgrp });
    },
  );

  it('returns undefined for a process that is gone', async () => {
    const child = spawn(SLEEP, ['0'], { stdio: 'ignore' });
    const pid = child.pid ?? 0;
    await new Promise((resolve) => child.once('exit', resolve));
    // Reaped by Node on 'exit': its /proc entry is gone (ENOENT), an expected outcome.
    await expect.poll(() => readProcStat(pid), { timeout: 5_000 }).toBeUndefined();
  });
});

// A real controlling terminal is what readControls' foreground check looks at: `script` gives one.
describe.skipIf(!hasScript)('readProcStat in a terminal (needs `script` from util-linux)', () => {
  const statInTerminal = (shellCommand: string): ProcStat => {
    const run = spawnSync('script', ['-qefc', shellCommand, '/dev/null'], { encoding: 'utf8', timeout: 10_000 });
    const stat = parseProcStat(run.stdout.trim());
    if (stat === undefined) throw new Error(`no stat line from script: ${JSON.stringify(run)}`);
    return stat;
  };

  it('shows a foreground process owning its terminal (tpgid = its group)', () => {
    const stat = statInTerminal('cat /proc/self/stat');
    expect(stat.ttyNr).not.toBe(0);
    expect(stat.tpgid).toBe(stat.pgrp);
  });

  it('shows a background job (job control on) not owning its terminal', () => {
    const stat = statInTerminal("sh -mc 'cat /proc/self/stat & wait'");
    expect(stat.ttyNr).not.toBe(0);
    expect(stat.tpgid).not.toBe(-1);
    expect(stat.tpgid).not.toBe(stat.pgrp);
  });
});

describe('parseProcStat', () => {
  const line = '4242 (evil ) (name) S 17 4243 4244 34816 4245 4194560 1 0 0 0 0 0 0 0 20 0 1 0 987654 0 0';

  it('takes comm up to the last parenthesis and every field after it', () => {
    expect(parseProcStat(line)).toEqual({
      pid: 4242, comm: 'evil ) (name', state: 'S', ppid: 17, pgrp: 4243, session: 4244, ttyNr: 34816, tpgid: 4245, startTime: '987654',
    });
    expect(parseProcStat(line.replace(' 4245 ', ' -1 '))?.tpgid).toBe(-1);
  });

  it('rejects what is not a stat line instead of guessing', () => {
    expect(parseProcStat('garbage')).toBeUndefined();
    expect(parseProcStat('')).toBeUndefined();
    // Cut before starttime (a short read), an empty field, a non-numeric pid.
    expect(parseProcStat(line.split(' ').slice(0, 20).join(' '))).toBeUndefined();
    expect(parseProcStat(line.replace(' 17 ', '  '))).toBeUndefined();
    expect(parseProcStat(line.replace('4242 (', 'x ('))).toBeUndefined();
  });
});
