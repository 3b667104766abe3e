import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { readProcStat } from '../../src/process/proc-stat.js';
import type { TableSource } from '../../src/process/table.js';
import { disposeAfterEach, Devreload, forceKill, hasCommand, isAlive, parked, Project, waitUntil, waitUntilGone } from './harness.js';

// Issue 14, part 1: daemons an app (or a build step, or a woken --prestart spare) starts the
// usual ways — a shell's `setsid sh -c "sleep 1000 &" &`, Node's detached child whose parent
// exits at once — are reparented to init before any scan sees them. The instance tag in their
// environment is what finds them: after a restart, after Ctrl-C, after a SIGKILL of devreload
// (the watchdog). Processes outside the instance with a lookalike variable are never touched.

const describeOnLinux = describe.skipIf(process.platform !== 'linux' || !hasCommand('setsid'));

// Records every daemon as a `worker` (so Project.cleanup kills them whatever happens), then
// `ready` once both exist. argv[2]: the record's event name for its own start.
const daemonsScript = `
import { spawnSync } from 'node:child_process';
import { appendFileSync } from 'node:fs';
const record = (entry) => appendFileSync(process.env.APP_RECORD, JSON.stringify({ ...entry, at: Date.now() }) + '\\n');
const role = process.argv[2] ?? 'start';
record({ event: role, pid: process.pid, tag: process.env.DEVRELOAD_INSTANCE ?? null });
// The shell way: setsid's sh backgrounds sleep and exits, and so does the outer sh. With
// DAEMON_IGNORE_TERM=1 the sleep ignores SIGTERM too (as a background job it ignores SIGINT).
const trap = process.env.DAEMON_IGNORE_TERM === '1' ? "trap '' TERM; " : '';
const sh = spawnSync('sh', ['-c', 'setsid sh -c "' + trap + 'sleep 1000 </dev/null >/dev/null 2>&1 & echo \\\\$!" &'], { encoding: 'utf8' });
record({ event: 'worker', pid: Number(sh.stdout.trim()), kind: 'sh', role });
// The Node way: a detached, unref'd child of a parent that exits at once.
const launcher = "const c = require('node:child_process').spawn(process.execPath, ['-e', 'setInterval(() => {}, 1 << 30)'], { detached: true, stdio: 'ignore' }); c.unref(); process.stdout.write(String(c.pid));";
const node = spawnSync(process.execPath, ['-e', launcher], { encoding: 'utf8' });
record({ event: 'worker', pid: Number(node.stdout), kind: 'node', role });
// A build step exits once its daemons are out, unless told to hold (a step still running).
if (role === 'start' || process.argv[3] === 'hold') {
  for (const signal of ['SIGTERM', 'SIGINT']) process.on(signal, () => process.exit(0));
  setInterval(() => {}, 1 << 30);
  process.stdout.write('[app ' + process.pid + '] ready\\n');
}
`;

let project: Project;

disposeAfterEach();

interface Started {
  pid: number;
  tag: string;
}

async function launch(source: TableSource, args: string[] = [], env: NodeJS.ProcessEnv = {}): Promise<Devreload> {
  project = await Project.create();
  await writeFile(project.path('daemons.mjs'), daemonsScript);
  // A daemon that ignores the stop signals waits for the SIGKILL at the kill timeout, shortened here.
  return new Devreload(['--watch', 'src', '--kill-timeout', '1500', ...args, '--', 'node', 'daemons.mjs'], {
    cwd: project.dir,
    env: { APP_RECORD: project.record, DEVRELOAD_PROCESS_TABLE: source, DEVRELOAD_WATCHDOG_DEBUG: '1', ...env },
  });
}

/** The sh daemon's sleep ignores SIGINT (a shell's background job) and SIGTERM: only SIGKILL ends it. */
const ignoreTerm = { DAEMON_IGNORE_TERM: '1' };

const lookalikes: number[] = [];

const starts = (): Started[] => project.entries('start').map((entry) => ({ pid: entry.pid, tag: (entry as unknown as { tag: string }).tag }));

/** The daemons recorded by the instance led by `pid` (or by build steps: role 'build'). */
function daemonsOf(filter: (entry: { parent: number; role: string }) => boolean): number[] {
  // Each daemon's line follows its starter's: the record is appended in order.
  const entries = project.entries() as unknown as { event: string; pid: number; role?: string }[];
  const out: number[] = [];
  let current: { parent: number; role: string } | undefined;
  for (const entry of entries) {
    if (entry.event === 'start' || entry.event === ('build' as string)) current = { parent: entry.pid, role: entry.event };
    else if (entry.event === 'worker' && current !== undefined && filter(current)) out.push(entry.pid);
  }
  return out;
}

async function readyInstances(d: Devreload, count: number): Promise<Started[]> {
  await d.waitFor(/\] ready\b/, count, 20_000);
  await waitUntil(() => daemonsOf(() => true).length >= 2 * count, { describe: () => d.output });
  return starts();
}

/** A process outside devreload's tree, started by the test, with `entry` in its environment. */
async function lookalike(entry: string): Promise<number> {
  const [name = '', value = ''] = entry.split(/=(.*)/s);
  const child = spawn('sleep', ['1000'], { detached: true, stdio: 'ignore', env: { PATH: process.env.PATH, [name]: value } });
  lookalikes.push(child.pid ?? 0);
  // Exec'd: from now on its environment is the lookalike's, not a copy of the test's.
  await once(child, 'spawn');
  return child.pid ?? 0;
}

/** Lookalikes of `tag` no stop may touch: a longer and a shorter value, the secret alone, another name, inside another value, a guess. */
function lookalikesOf(tag: string, { forWatchdog = false } = {}): Promise<number[]> {
  const secret = tag.split('.')[0] ?? '';
  const entries = [
    `DEVRELOAD_INSTANCE=${tag.slice(0, tag.indexOf('.') + 1)}`,
    `DEVRELOAD_INSTANCE=${secret}`,
    `DEVRELOAD_INSTANCE=${secret.slice(0, -1)}.1`,
    `X_DEVRELOAD_INSTANCE=${tag}`,
    `OTHER=DEVRELOAD_INSTANCE=${tag}`,
    `DEVRELOAD_INSTANCE=${randomBytes(16).toString('hex')}.1`,
  ];
  // `<secret>.<n>0` is another instance's tag of the same run: the watchdog (which stops the
  // whole run) rightly takes it; a stop (one instance) must not.
  if (!forWatchdog) entries.push(`DEVRELOAD_INSTANCE=${tag}0`);
  return Promise.all(entries.map(lookalike));
}

/** Called once the stop is over: a lookalike the stop had taken for the instance's would have been waited for until gone. */
function expectAlive(pids: readonly number[], d: Devreload): void {
  expect(pids.filter((pid) => !isAlive(pid)), d.output).toEqual([]);
}

function cleanupLookalikes(): void {
  for (const pid of lookalikes.splice(0)) forceKill(pid);
}

describe.each<TableSource>(['proc', 'ps'])('daemons (table: %s)', (source) => {
  describeOnLinux('an app’s double-forked daemons', () => {
    it('are gone after a restart; the new instance’s are not; lookalikes are untouched', async () => {
      const d = await launch(source);
      try {
        const [first] = await readyInstances(d, 1);
        const daemons = daemonsOf((s) => s.parent === first!.pid);
        expect(daemons).toHaveLength(2);
        for (const pid of daemons) expect(readProcStat(pid)?.ppid, 'reparented, out of every tree').not.toBe(first!.pid);
        const others = await lookalikesOf(first!.tag);
        await project.write('src/app.js');
        const [, second] = await readyInstances(d, 2);
        expect(second!.tag).not.toBe(first!.tag);
        await waitUntilGone(daemons, () => d.output);
        expect(daemonsOf((s) => s.parent === second!.pid).filter((pid) => !isAlive(pid))).toEqual([]);
        expectAlive(others, d);
      } finally {
        cleanupLookalikes();
      }
    });

    it('are gone after Ctrl-C', async () => {
      const d = await launch(source, [], ignoreTerm);
      try {
        const [first] = await readyInstances(d, 1);
        // Once devreload exited, its watchdog stops whatever still carries the run's secret
        // (`<secret>.<n>0` could only be another instance of this run): the others stay.
        const others = await lookalikesOf(first!.tag, { forWatchdog: true });
        const [shDaemon] = daemonsOf((s) => s.parent === first!.pid);
        d.interrupt();
        await d.waitForExit();
        await waitUntilGone(daemonsOf(() => true), () => d.output);
        expectAlive(others, d);
        // The sh daemon's sleep ignores SIGINT and SIGTERM (ignoreTerm) and is only gone at the
        // SIGKILL: meanwhile the waiting line names it, though it is in no group, session or
        // tree of the app's.
        expect(d.stderr).toMatch(new RegExp(`waiting for pids? (\\d+ \\([^)]*\\), )*${shDaemon} \\(sleep 1000\\)`));
      } finally {
        cleanupLookalikes();
      }
    });

    it('are gone after a SIGKILL of devreload (the watchdog)', async () => {
      const d = await launch(source);
      try {
        const [first] = await readyInstances(d, 1);
        const others = await lookalikesOf(first!.tag, { forWatchdog: true });
        forceKill(d.pid);
        await d.waitForExit();
        await waitUntilGone(daemonsOf(() => true), () => d.output);
        // The watchdog shares devreload's stderr (DEVRELOAD_WATCHDOG_DEBUG): closed once it exited,
        // which it does only when every process it signalled is gone.
        await waitUntil(() => d.child.stderr?.closed === true, { describe: () => `the watchdog to exit\n${d.output}` });
        expect(d.stderr).toMatch(/watchdog \d+: stopping/);
        expect(d.stderr).toContain(`table ${source}, tags on`);
        expectAlive(others, d);
      } finally {
        cleanupLookalikes();
      }
    });
  });

  describeOnLinux('--prestart', () => {
    it('the woken app carries the spare’s own tag, and its daemons are stopped too', async () => {
      const d = await launch(source, ['--prestart']);
      const [first] = await readyInstances(d, 1);
      await d.waitFor(/\[devreload\] watching/);
      await waitUntil(() => spares(d).length === 1, { describe: () => `one spare\n${d.output}` });
      const spare = spares(d)[0]!;
      const spareTag = environTag(spare);
      expect(spareTag, d.output).toMatch(/^[0-9a-f]{32}\.\d+$/);
      expect(spareTag).not.toBe(first!.tag);
      await project.save('src/app.js');
      const [, woken] = await readyInstances(d, 2);
      expect(woken!.pid, `the second instance is the woken spare\n${d.output}`).toBe(spare);
      expect(woken!.tag, d.output).toBe(spareTag);
      const daemons = daemonsOf((s) => s.parent === woken!.pid);
      for (const pid of daemons) expect(environTag(pid)).toBe(spareTag);
      d.interrupt();
      await d.waitForExit();
      await waitUntilGone(daemonsOf(() => true), () => d.output);
    });
  });

  describeOnLinux('--build', () => {
    it('a build step that exits leaves no daemon: what it left running is stopped before the app starts', async () => {
      const d = await launch(source, ['--build', 'node daemons.mjs build']);
      await d.waitFor(/\] ready\b/, 1, 20_000);
      const daemons = daemonsOf((s) => s.role === 'build');
      expect(daemons).toHaveLength(2);
      const tag = project.entries().find((entry) => entry.event === ('build' as string)) as unknown as { tag: string };
      expect(tag.tag).toMatch(/^[0-9a-f]{32}\.\d+$/);
      // Stopped with the stop signal as the step's leftovers, and said so.
      await waitUntilGone(daemons, () => d.output);
      expect(d.stderr).toMatch(/build step `node daemons\.mjs build` exited and left pids? [\d, ]+ running/);
      // The app's own daemons are not the build's: they keep running.
      expect(daemonsOf((s) => s.role === 'start').filter((pid) => !isAlive(pid))).toEqual([]);
      d.interrupt();
      await d.waitForExit();
    });

    it('Ctrl-C during a later build step: the waiting line names that step’s daemon', async () => {
      // The machine knows a build by its first step's pid; what is left is the second step's.
      const d = await launch(source, ['--build', 'true', '--build', 'node daemons.mjs build hold'], ignoreTerm);
      await waitUntil(() => daemonsOf((s) => s.role === 'build').length === 2, { describe: () => d.output });
      const [shDaemon] = daemonsOf((s) => s.role === 'build');
      d.interrupt();
      await d.waitForExit();
      await waitUntilGone(daemonsOf(() => true), () => d.output);
      // Its sleep ignores SIGINT and SIGTERM (ignoreTerm): it is left until the SIGKILL.
      expect(d.stderr).toMatch(new RegExp(`waiting for pids? (\\d+ \\([^)]*\\), )*${shDaemon} \\(sleep 1000\\)`));
    });

    it('a running build step’s double-forked daemons are stopped by Ctrl-C, and by the watchdog after a SIGKILL', async () => {
      for (const stop of ['interrupt', 'kill'] as const) {
        const d = await launch(source, ['--build', 'node daemons.mjs build hold']);
        // The step holds, so the build is not over: the app never starts here.
        await waitUntil(() => daemonsOf((s) => s.role === 'build').length === 2, { describe: () => d.output });
        const daemons = daemonsOf((s) => s.role === 'build');
        const tag = project.entries().find((entry) => entry.event === ('build' as string)) as unknown as { tag: string };
        expect(tag.tag).toMatch(/^[0-9a-f]{32}\.\d+$/);
        for (const pid of daemons) expect(environTag(pid)).toBe(tag.tag);
        if (stop === 'interrupt') d.interrupt();
        else forceKill(d.pid);
        await d.waitForExit();
        await waitUntilGone(daemons, () => `${stop}\n${d.output}`);
        await project.cleanup();
      }
    });
  });
});

function environTag(pid: number): string | undefined {
  return readFileSync(`/proc/${pid}/environ`, 'utf8')
    .split('\0')
    .find((entry) => entry.startsWith('DEVRELOAD_INSTANCE='))
    ?.slice('DEVRELOAD_INSTANCE='.length);
}

/** Parked spares: devreload's children running the park script that no instance ran in yet. */
function spares(d: Devreload): number[] {
  const apps = new Set(starts().map((start) => start.pid));
  return parked(d.pid).filter((pid) => !apps.has(pid));
}
