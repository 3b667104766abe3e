import { spawn, spawnSync, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { readProcessTable, type TableSource } from '../../src/process/table.js';

const root = fileURLToPath(new URL('../../', import.meta.url));
const fakeSupervisor = join(root, 'fixtures/watchdog/fake-supervisor.mjs');
const exitingSupervisor = join(root, 'fixtures/watchdog/exiting-supervisor.mjs');
const preload = join(root, 'fixtures/watchdog/preload.cjs');
const GRACE_MS = 300;
const TIMEOUT_MS = 10_000;

type AppMode = 'term' | 'ignore' | 'grandchild' | 'orphan';

interface Started {
  supervisor: number;
  watchdog: number;
  apps: { mode: AppMode; pid: number; descendants: number[] }[];
}

interface Run {
  info: Started;
  child: ChildProcessWithoutNullStreams;
  markerDir: string;
  captured(): string;
  /** Resolves once the supervisor printed `line` (fails with everything captured). */
  waitForLine(line: string): Promise<void>;
  /** Resolves once the watchdog said it is ready (its diagnostics share the supervisor's stderr). */
  waitForWatchdog(): Promise<void>;
}

const cleanups: (() => Promise<void>)[] = [];

beforeAll(() => {
  // The fixture runs the compiled watchdog, as devreload does from dist/.
  if (existsSync(join(root, 'dist/process/watchdog-main.js'))) return;
  const tsc = join(root, 'node_modules/typescript/bin/tsc');
  spawnSync(process.execPath, [tsc, '-p', join(root, 'tsconfig.build.json')], { stdio: 'inherit' });
  expect(existsSync(join(root, 'dist/process/watchdog-main.js'))).toBe(true);
});

afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

/** SIGKILLs the process group led by `pid` and `pid` itself; already gone is fine. */
function killGroup(pid: number | undefined): void {
  // 0 or less would address our own group (kill(0)/kill(-1)): never.
  if (pid === undefined || !Number.isInteger(pid) || pid <= 0) return;
  for (const target of [-pid, pid]) {
    try {
      process.kill(target, 'SIGKILL');
    } catch {
      // ESRCH: already gone, which is the point.
    }
  }
}

async function waitUntil(condition: () => Promise<boolean> | boolean, explain: () => string): Promise<void> {
  const deadline = Date.now() + TIMEOUT_MS;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${TIMEOUT_MS} ms: ${explain()}`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

/** Pids of `pids` still running (zombies count as gone). */
async function living(pids: readonly number[]): Promise<number[]> {
  const table = await readProcessTable();
  return pids.filter((pid) => table.some((entry) => entry.pid === pid && !entry.zombie));
}

async function marker(dir: string, pid: number): Promise<number | undefined> {
  try {
    return Number(await readFile(join(dir, `${pid}.term`), 'utf8'));
  } catch {
    return undefined;
  }
}

function defined<T>(value: T | undefined, what: string): T {
  if (value === undefined) throw new Error(`missing ${what}`);
  return value;
}

function allPids(info: Started): number[] {
  return info.apps.flatMap((app) => [app.pid, ...app.descendants]);
}

async function launch(apps: AppMode[], source: TableSource = 'proc', env: NodeJS.ProcessEnv = {}): Promise<Run> {
  const markerDir = await mkdtemp(join(tmpdir(), 'devreload-watchdog-'));
  const config = { graceMs: GRACE_MS, markerDir, apps };
  // Own process group, so a test can Ctrl-C it the way a terminal would: kill(-pgid, SIGINT).
  const child = spawn(process.execPath, [fakeSupervisor, JSON.stringify(config)], {
    detached: true,
    env: { ...process.env, DEVRELOAD_PROCESS_TABLE: source, DEVRELOAD_WATCHDOG_DEBUG: '1', ...env },
  });
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  const captured = (): string => `supervisor stdout:\n${stdout}\nstderr:\n${stderr}`;
  const tracked: number[] = [];
  cleanups.push(async () => {
    for (const pid of [child.pid, ...tracked]) killGroup(pid);
    await rm(markerDir, { recursive: true, force: true });
  });
  const lines = (): string[] => stdout.split('\n');
  await waitUntil(() => stdout.includes('\n') || child.exitCode !== null, captured);
  if (!stdout.includes('\n')) throw new Error(`the fake supervisor failed\n${captured()}`);
  const info = JSON.parse(lines()[0] ?? '') as Started;
  tracked.push(info.watchdog, ...allPids(info));
  return {
    info, child, markerDir, captured,
    waitForLine: (line) => waitUntil(() => lines().includes(line), () => `no line ${JSON.stringify(line)}\n${captured()}`),
    waitForWatchdog: () =>
      waitUntil(() => stderr.includes(`watchdog ${info.watchdog}: ready`), () => `watchdog not ready\n${captured()}`),
  };
}

async function expectAllGone(run: Run, pids: readonly number[]): Promise<void> {
  let left: number[] = [];
  await waitUntil(
    async () => (left = await living(pids)).length === 0,
    () => `still running: ${left.join(' ')} (of ${pids.join(' ')})\n${run.captured()}`,
  );
}

describe.each(['proc', 'ps'] as const)('when the supervisor is SIGKILLed (table: %s)', (source) => {
  it('stops the app group and its detached grandchild through their SIGTERM handlers', async () => {
    const run = await launch(['term', 'grandchild'], source);
    const pids = allPids(run.info);
    expect(await living([...pids, run.info.watchdog])).toHaveLength(pids.length + 1);

    const killedAt = Date.now();
    process.kill(run.info.supervisor, 'SIGKILL');
    // Also proves the app never inherited the pipe's write end: it would hold off EOF forever.
    await expectAllGone(run, [...pids, run.info.watchdog]);

    const markers = await Promise.all(pids.map((pid) => marker(run.markerDir, pid)));
    expect(markers.every((time) => time !== undefined), run.captured()).toBe(true);
    expect(run.captured()).toContain(`table ${source}`);
    const latency = Math.max(...markers.map((time) => (time ?? 0) - killedAt));
    console.info(`watchdog (${source}): supervisor SIGKILL -> last app SIGTERM handler: ${latency} ms`);
  });

  it('stops an escaped descendant whose parent is gone, because it was remembered', async () => {
    const run = await launch(['orphan'], source);
    const orphan = defined(run.info.apps[0]?.descendants[0], 'orphan pid');
    const orphanParent = (await readProcessTable()).find((entry) => entry.pid === orphan)?.ppid;
    expect(orphanParent, 'the orphan must be out of reach of a ppid walk').not.toBe(run.info.apps[0]?.pid);

    process.kill(run.info.supervisor, 'SIGKILL');
    await expectAllGone(run, allPids(run.info));
    expect(await marker(run.markerDir, orphan), run.captured()).toBeDefined();
  });

  it('SIGKILLs an app that ignores SIGTERM once graceMs is over', async () => {
    const run = await launch(['ignore'], source);
    const app = defined(run.info.apps[0]?.pid, 'app pid');

    const killedAt = Date.now();
    process.kill(run.info.supervisor, 'SIGKILL');
    await expectAllGone(run, [app]);
    const elapsed = Date.now() - killedAt;
    expect(await marker(run.markerDir, app), 'the app got SIGTERM first').toBeDefined();
    expect(elapsed).toBeGreaterThanOrEqual(GRACE_MS);
    // Loose on purpose (noisy machine); it only catches a graceMs replaced by some default.
    expect(elapsed).toBeLessThan(GRACE_MS + 4000);
  });

  it('is not killed by Ctrl-C (SIGINT) or SIGHUP and still stops the app', async () => {
    const run = await launch(['term'], source);
    const app = defined(run.info.apps[0]?.pid, 'app pid');

    // Its own session: a terminal's Ctrl-C/SIGHUP (sent to groups) cannot reach it at all.
    const entry = (await readProcessTable()).find((candidate) => candidate.pid === run.info.watchdog);
    expect(entry?.pgid, run.captured()).toBe(run.info.watchdog);

    process.kill(-run.info.supervisor, 'SIGINT');
    await run.waitForLine('SIGINT');
    // Tree-killers signal descendants directly. Only once its handlers are installed:
    // during node's ~100 ms boot the default action still applies (see watchdog-main.ts).
    await run.waitForWatchdog();
    process.kill(run.info.watchdog, 'SIGINT');
    process.kill(run.info.watchdog, 'SIGHUP');
    process.kill(run.info.supervisor, 'SIGKILL');

    await expectAllGone(run, [app, run.info.watchdog]);
    expect(await marker(run.markerDir, app), run.captured()).toBeDefined();
  });
});

describe('under a debugger', () => {
  it('does not pass NODE_OPTIONS (a debugger bootloader) on to the watchdog', async () => {
    const preloadDir = await mkdtemp(join(tmpdir(), 'devreload-watchdog-preload-'));
    cleanups.push(() => rm(preloadDir, { recursive: true, force: true }));
    const run = await launch(['term'], 'proc', { NODE_OPTIONS: `--require ${preload}`, WATCHDOG_PRELOAD_DIR: preloadDir });
    await run.waitForWatchdog();

    const preloaded = (await readdir(preloadDir)).map((name) => Number.parseInt(name, 10));
    // The supervisor and the app did load it: the fixture works, the watchdog was spared.
    expect(preloaded).toEqual(expect.arrayContaining([run.info.supervisor, run.info.apps[0]?.pid]));
    expect(preloaded).not.toContain(run.info.watchdog);
  });
});

describe('normal shutdown', () => {
  it('close() leaves unwatched instances running, stops watched ones, and the watchdog exits', async () => {
    const run = await launch(['term', 'term']);
    const unwatched = defined(run.info.apps[0]?.pid, 'app 0');
    const watched = defined(run.info.apps[1]?.pid, 'app 1');
    run.child.stdin.write('unwatch 0\n');
    await run.waitForLine('ok unwatch 0');
    run.child.stdin.write('close\nclose\n');
    await run.waitForLine('ok close');

    await expectAllGone(run, [watched, run.info.watchdog]);
    expect(await marker(run.markerDir, watched), run.captured()).toBeDefined();
    // The watchdog is gone, so nothing can still signal the unwatched app.
    expect(await living([unwatched, run.info.supervisor])).toEqual([unwatched, run.info.supervisor]);
    expect(await marker(run.markerDir, unwatched)).toBeUndefined();
  });
});

describe('when the supervisor exits on its own', () => {
  it('does not keep the supervisor alive, and stops the instance it still watched', async () => {
    const markerDir = await mkdtemp(join(tmpdir(), 'devreload-watchdog-'));
    const child = spawn(process.execPath, [exitingSupervisor, markerDir], { detached: true, stdio: ['ignore', 'pipe', 'inherit'] });
    let stdout = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
    const captured = (): string => `supervisor stdout:\n${stdout}`;
    let app = 0;
    cleanups.push(async () => {
      for (const pid of [child.pid, app]) killGroup(pid);
      await rm(markerDir, { recursive: true, force: true });
    });

    // Parsed before waiting for the exit, so the cleanup knows the app even if that fails.
    await waitUntil(() => stdout.includes('\n') || child.exitCode !== null, captured);
    app = (JSON.parse(stdout.split('\n')[0] ?? '') as { app: number }).app;
    await waitUntil(() => child.exitCode !== null || child.signalCode !== null, () => `did not exit\n${captured()}`);
    expect(child.exitCode, captured()).toBe(0);
    await waitUntil(async () => (await living([app])).length === 0, () => `app ${app} still running\n${captured()}`);
    expect(await marker(markerDir, app), captured()).toBeDefined();
  });
});
