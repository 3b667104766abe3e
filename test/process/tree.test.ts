import { describe, expect, it } from 'vitest';
import type { ProcessEntry } from '../../src/process/table.js';
import { collectInstance, outsideGroup } from '../../src/process/tree.js';

const LEADER = 100;
const DEVRELOAD = 50;

function proc(pid: number, ppid: number, pgid: number, sid: number | undefined, extra: Partial<ProcessEntry> = {}): ProcessEntry {
  return { pid, ppid, pgid, sid, zombie: false, startTime: `t${pid}`, ...extra };
}

// devreload (50) in the terminal's session 10; the app leader 100 leads session and group 100.
const BASE: ProcessEntry[] = [
  proc(1, 0, 1, 1),
  proc(10, 1, 10, 10),
  proc(DEVRELOAD, 10, 50, 10),
  proc(60, DEVRELOAD, 60, 60), // devreload's watchdog: not part of the app
  proc(LEADER, DEVRELOAD, LEADER, LEADER),
  proc(300, 1, 300, 10), // unrelated process in devreload's session
];

const pids = (entries: readonly ProcessEntry[]) => entries.map((entry) => entry.pid).sort((a, b) => a - b);

describe('collectInstance', () => {
  it('collects the leader and its process group, nothing else', () => {
    const table = [...BASE, proc(101, LEADER, LEADER, LEADER), proc(102, 101, LEADER, LEADER)];
    expect(pids(collectInstance(table, LEADER, { exclude: [DEVRELOAD] }))).toEqual([100, 101, 102]);
  });

  it('collects group members whose parent died (reparented to init)', () => {
    const table = [...BASE, proc(103, 1, LEADER, LEADER)];
    expect(pids(collectInstance(table, LEADER))).toEqual([100, 103]);
  });

  it('collects session members that moved to another group (shell job control)', () => {
    const table = [...BASE, proc(110, 1, 110, LEADER), proc(111, 110, 110, LEADER)];
    expect(pids(collectInstance(table, LEADER))).toEqual([100, 110, 111]);
  });

  it('collects a setsid grandchild and the grandchild of that one by parentage', () => {
    const table = [
      ...BASE,
      proc(101, LEADER, LEADER, LEADER),
      proc(200, 101, 200, 200), // setsid: own session and group
      proc(201, 200, 200, 200),
      proc(202, 201, 202, 202), // escaped once more
    ];
    expect(pids(collectInstance(table, LEADER))).toEqual([100, 101, 200, 201, 202]);
  });

  it('works without session ids (ps) through groups and parentage', () => {
    const table = [...BASE, proc(101, LEADER, LEADER, undefined), proc(200, 101, 200, undefined)].map((entry) => ({
      ...entry,
      sid: undefined,
      startTime: undefined,
    }));
    expect(pids(collectInstance(table, LEADER))).toEqual([100, 101, 200]);
  });

  it('leaves zombies out but still finds what they lead to', () => {
    const table = [...BASE, proc(101, LEADER, LEADER, LEADER, { zombie: true }), proc(200, 1, 200, 200, { zombie: true })];
    expect(pids(collectInstance(table, LEADER, { known: new Map([[200, 't200']]) }))).toEqual([100]);
  });

  it('finds remembered escaped processes after their parent died, and their descendants', () => {
    // The leader exited; 200 escaped with setsid and was reparented to init.
    const table = [...BASE.filter((entry) => entry.pid !== LEADER), proc(200, 1, 200, 200), proc(201, 200, 201, 201)];
    expect(collectInstance(table, LEADER)).toEqual([]);
    expect(pids(collectInstance(table, LEADER, { known: new Map([[200, 't200']]) }))).toEqual([200, 201]);
  });

  it('ignores a remembered pid that now belongs to another process (pid reuse)', () => {
    const table = [...BASE, proc(200, 1, 200, 200, { startTime: 'reborn' }), proc(201, 200, 201, 201)];
    expect(pids(collectInstance(table, LEADER, { known: new Map([[200, 't200']]) }))).toEqual([100]);
  });

  it('finds tagged processes (a double fork: reparented to init, own group and session) and their descendants', () => {
    const table = [
      ...BASE,
      proc(200, 1, 200, 200, { tagged: true }),
      proc(201, 200, 200, 200), // cleared its environment, but is still 200's child
      proc(202, 1, 202, 202), // untagged orphan: nobody's
    ];
    expect(pids(collectInstance(table, LEADER))).toEqual([100, 200, 201]);
    // Tagged zombies have exited: nothing to stop.
    expect(pids(collectInstance([...BASE, proc(203, 1, 203, 203, { tagged: true, zombie: true })], LEADER))).toEqual([100]);
  });

  it('never includes excluded pids nor walks through them', () => {
    // Bad data: devreload listed under the app. It and its watchdog must stay out.
    const table = BASE.map((entry) => (entry.pid === DEVRELOAD ? { ...entry, ppid: LEADER } : entry));
    expect(pids(collectInstance(table, LEADER, { exclude: [DEVRELOAD] }))).toEqual([100]);
    expect(pids(collectInstance(BASE.map((entry) => (entry.pid === DEVRELOAD ? { ...entry, tagged: true } : entry)), LEADER, { exclude: [DEVRELOAD] }))).toEqual([100]);
  });

  it('terminates on ppid cycles and duplicate rows', () => {
    const table = [
      ...BASE,
      proc(101, 103, LEADER, LEADER),
      proc(102, 101, 102, 102),
      proc(103, 102, 103, 103),
      proc(104, 104, 104, 104), // its own parent
      proc(101, 103, LEADER, LEADER),
    ];
    expect(pids(collectInstance(table, LEADER, { known: new Map([[104, 't104']]) }))).toEqual([100, 101, 102, 103, 104]);
  });

  it('returns nothing once the whole instance is gone', () => {
    expect(collectInstance(BASE.filter((entry) => entry.pid !== LEADER), LEADER, { exclude: [DEVRELOAD] })).toEqual([]);
  });
});

describe('outsideGroup', () => {
  it('keeps only processes that left the leader group', () => {
    const members = [proc(LEADER, 1, LEADER, LEADER), proc(101, LEADER, LEADER, LEADER), proc(200, 101, 200, 200)];
    expect(pids(outsideGroup(members, LEADER))).toEqual([200]);
  });
});
