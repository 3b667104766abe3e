import { readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { readProcessTable } from '../../src/process/table.js';
import { disposeAfterEach, Devreload, isAlive, Project, serverFixture } from './harness.js';

// `npm test` runs a short soak; `npm run soak` runs 1,000 restarts (SOAK_RESTARTS=1000).
const restarts = Number(process.env.SOAK_RESTARTS ?? 60);
// Bounds, stated once: after warm-up, the supervisor may open at most a few more fds
// (a transient pipe or inotify watch) and grow by at most 40 MiB (V8 heap and JIT noise).
const fdSlack = 4;
const rssSlackKiB = 40 * 1024;

let project: Project | undefined;
let devreload: Devreload | undefined;

disposeAfterEach();

function footprint(pid: number): { fds: number; rssKiB: number } {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  return { fds: readdirSync(`/proc/${pid}/fd`).length, rssKiB: Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0) };
}

describe(`soak: ${restarts} restarts of an app with a grandchild`, () => {
  it('leaks no process, and keeps fds and memory bounded', async () => {
    project = await Project.create();
    const p = project;
    devreload = new Devreload(['--watch', 'src', '--delay', '0', '--', 'node', serverFixture], { cwd: p.dir, env: { APP_RECORD: p.record, APP_WORKERS: '1' } });
    const d = devreload;
    await d.waitFor(/\[devreload\] watching/);
    await d.waitFor(/\] ready\b/);
    let baseline = footprint(d.pid);
    for (let i = 1; i <= restarts; i++) {
      const older = p.allPids();
      await p.write('src/app.js');
      await d.waitFor(/\] ready\b/, i + 1, 20_000);
      const leaked = older.filter(isAlive);
      expect(leaked, `restart ${i}: ${leaked.join(', ')} outlived their instance`).toEqual([]);
      // Warm-up: the first restarts load code paths and grow the heap once.
      if (i === Math.min(10, restarts)) baseline = footprint(d.pid);
    }
    const end = footprint(d.pid);
    expect(end.fds, `fds ${baseline.fds} → ${end.fds}`).toBeLessThanOrEqual(baseline.fds + fdSlack);
    expect(end.rssKiB, `RSS ${baseline.rssKiB} → ${end.rssKiB} KiB`).toBeLessThanOrEqual(baseline.rssKiB + rssSlackKiB);
    const children = (await readProcessTable()).filter((entry) => entry.ppid === d.pid);
    expect(children.filter((c) => c.zombie)).toEqual([]);
    // The current instance and the watchdog.
    expect(children).toHaveLength(2);
    console.log(`soak: ${restarts} restarts; supervisor fds ${baseline.fds} → ${end.fds}, RSS ${baseline.rssKiB} → ${end.rssKiB} KiB`);
  }, 60_000 + restarts * 1000);
});
