import { writeFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { readProcessTable } from '../../src/process/table.js';
import { disposeAfterEach, Devreload, isAlive, Project, serverFixture, waitUntilGone } from './harness.js';

let project: Project;
let devreload: Devreload | undefined;

disposeAfterEach();

async function launch(args: string[], env: NodeJS.ProcessEnv = {}): Promise<Devreload> {
  project = await Project.create();
  devreload = new Devreload([...args, '--', 'node', serverFixture], { cwd: project.dir, env: { APP_RECORD: project.record, ...env } });
  await devreload.waitFor(/\] ready\b/);
  await devreload.waitFor(/\[devreload\] watching/);
  return devreload;
}

/** Restarts the app by saving a file and waits until the new instance is ready. */
async function restart(d: Devreload, instance: number): Promise<void> {
  await project.write('src/app.js');
  await d.waitFor(/\] ready\b/, instance, 20_000);
}

describe('no orphans, ever', () => {
  it('a grandchild that ignores SIGTERM holds the restart until it is SIGKILLed at the kill timeout', async () => {
    const d = await launch(['--watch', 'src', '--kill-timeout', '700'], { APP_WORKERS: '1', CHILD_IGNORE_TERM: '1' });
    const worker = project.entries('worker')[0]!.pid;
    const saved = Date.now();
    await restart(d, 2);
    const [first, second] = project.entries('start');
    const stopped = project.entries('stopped').find((e) => e.pid === first!.pid)!;
    expect(d.stderr).toMatch(/did not stop within 700 ms — sending SIGKILL/);
    // The leader stopped at once; the new instance still waited for the worker's SIGKILL.
    expect(stopped.at - saved).toBeLessThan(700);
    expect(second!.at - saved).toBeGreaterThanOrEqual(650);
    expect(isAlive(worker)).toBe(false);
  });

  it('a detached grandchild (own session) is stopped with its instance', async () => {
    const d = await launch(['--watch', 'src'], { APP_WORKERS: '2', APP_DETACHED: '1', CHILD_STOP_MS: '200' });
    const before = project.allPids();
    await restart(d, 2);
    expect(before.filter(isAlive)).toEqual([]);
    expect(project.entries('worker-stopped').map((e) => e.pid).sort()).toEqual(project.entries('worker').slice(0, 2).map((e) => e.pid).sort());
  });

  it('`npm run dev` + Ctrl-C: everything stops, npm prints no error, nothing is left', async () => {
    project = await Project.create();
    const bin = new URL('../../bin/devreload.js', import.meta.url).pathname;
    const dev = `node ${JSON.stringify(bin)} --watch src -- node ${JSON.stringify(serverFixture)}`;
    await writeFile(project.path('package.json'), JSON.stringify({ name: 'app', private: true, scripts: { dev } }));
    // Started as a terminal starts a command: npm leads its own foreground process group.
    devreload = new Devreload([], { cwd: project.dir, env: { APP_RECORD: project.record, APP_WORKERS: '1', APP_STOP_MS: '200' }, program: ['npm', 'run', 'dev'] });
    const d = devreload;
    await d.waitFor(/\] ready\b/);
    const pids = project.allPids();
    d.interrupt();
    const exit = await d.waitForExit();
    expect(d.output).not.toMatch(/npm (error|ERR!)/i);
    expect(exit.code === 130 || exit.signal === 'SIGINT', `${JSON.stringify(exit)}\n${d.output}`).toBe(true);
    expect(project.entries('stopped')).toHaveLength(1);
    await waitUntilGone(pids, () => d.output, 2000);
  });

  it('200 restarts leave no unreaped children and no extra processes', async () => {
    const d = await launch(['--watch', 'src', '--delay', '0']);
    const baseline = await countProcesses(d.pid, lastLeader());
    for (let i = 2; i <= 201; i++) await restart(d, i);
    const after = await countProcesses(d.pid, lastLeader());
    expect(after.zombieChildren).toEqual([]);
    expect(after.children).toBe(baseline.children);
    expect(after.instance).toBe(baseline.instance);
  }, 180_000);

  it('under churn, 100 restarts of an app with 3 grandchildren: no process of an older instance survives a restart', async () => {
    const d = await launch(['--watch', 'src', '--delay', '0'], { APP_WORKERS: '3' });
    for (let i = 2; i <= 101; i++) {
      const older = project.allPids();
      await restart(d, i);
      const survivors = older.filter(isAlive);
      expect(survivors, `restart ${i - 1}: ${survivors.join(', ')} outlived their instance`).toEqual([]);
    }
  }, 180_000);
});

function lastLeader(): number {
  return project.entries('start').at(-1)!.pid;
}

/** devreload's direct children (the app and the watchdog), the zombies among them, and the size of the app's session. */
async function countProcesses(supervisor: number, leader: number): Promise<{ children: number; zombieChildren: number[]; instance: number }> {
  const table = await readProcessTable();
  const children = table.filter((p) => p.ppid === supervisor);
  return {
    children: children.filter((p) => !p.zombie).length,
    zombieChildren: children.filter((p) => p.zombie).map((p) => p.pid),
    instance: table.filter((p) => p.sid === leader && !p.zombie).length,
  };
}
