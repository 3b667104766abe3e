import { spawn, spawnSync, type ChildProcess, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { constants, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { readProcessTable, type TableSource } from '../../src/process/table.js';
import { startWatchdog } from '../../src/process/watchdog.js';
import { waitUntil as waitFor } from '../wait.js';

const root = fileURLToPath(new URL('../../', import.meta.url));
// The source file, never a copy in dist/ that an earlier build left behind.
const script = join(root, 'src/process/watchdog.sh');
const fakeSupervisor = join(root, 'fixtures/watchdog/fake-supervisor.mjs');
const exitingSupervisor = join(root, 'fixtures/watchdog/exiting-supervisor.mjs');
const appFixture = join(root, 'fixtures/watchdog/app.mjs');
const GRACE_MS = 300;
const TIMEOUT_MS = 10_000;
const sources = ['proc', 'ps'] as const;
// dash is Debian's /bin/sh; bash --posix stands in for macOS's /bin/sh.
const shells = [['dash'], ['bash', '--posix']].filter(([shell]) => spawnSync(shell ?? '', ['-c', ':']).status === 0);

type AppMode = 'term' | 'ignore' | 'grandchild' | 'orphan';
interface App {
  mode: AppMode;
  pid: number;
  descendants: number[];
}
interface Started {
  supervisor: number;
  watchdog: number;
  apps: App[];
}

const cleanups: (() => Promise<void> | void)[] = [];

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
  await waitFor(condition, { timeout: TIMEOUT_MS, describe: explain });
}

/** Pids of `pids` still running (zombies count as gone). */
async function living(pids: readonly number[]): Promise<number[]> {
  const table = await readProcessTable('proc');
  return pids.filter((pid) => table.some((entry) => entry.pid === pid && !entry.zombie));
}

async function expectAllGone(pids: readonly number[], captured: () => string): Promise<void> {
  let left: number[] = [];
  await waitUntil(async () => (left = await living(pids)).length === 0, () => `still running: ${left.join(' ')} (of ${pids.join(' ')})\n${captured()}`);
}

async function tempDir(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'devreload-watchdog-'));
  cleanups.push(() => rm(dir, { recursive: true, force: true }));
  return dir;
}

/** When the app's SIGTERM handler ran (ms since the epoch), if it did. */
async function marker(dir: string, pid: number): Promise<number | undefined> {
  return readFile(join(dir, `${pid}.term`), 'utf8').then(Number, () => undefined);
}

function defined<T>(value: T | undefined, what: string): T {
  if (value === undefined) throw new Error(`missing ${what}`);
  return value;
}

/** A process that is no instance's: the watchdog must never touch it. */
async function startStranger(): Promise<{ pid: number; wrongStart: (source: TableSource) => string }> {
  const child = spawn('sleep', ['60'], { detached: true, stdio: 'ignore' });
  const pid = defined(child.pid, 'stranger pid');
  cleanups.push(() => killGroup(pid));
  let start: string | undefined;
  await waitUntil(async () => (start = (await readProcessTable('proc')).find((entry) => entry.pid === pid)?.startTime) !== undefined, () => 'no stranger');
  // What a recycled pid looks like: the same number, another start time.
  return { pid, wrongStart: (source) => (source === 'proc' ? String(Number(start) - 1) : 'Thu_Jan_1_00:00:00_1970') };
}

/** An app fixture started by the test itself, detached (own session), once it is ready. */
async function startApp(mode: AppMode, markerDir: string): Promise<App> {
  const child = spawn(process.execPath, [appFixture, mode, markerDir], { detached: true, stdio: ['ignore', 'pipe', 'inherit'] });
  const tracked = [child.pid];
  cleanups.push(() => tracked.forEach(killGroup));
  let out = '';
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => (out += chunk));
  await waitUntil(() => out.includes('\n'), () => `app ${mode} not ready: ${out}`);
  const app = { mode, ...(JSON.parse(out) as { pid: number; descendants: number[] }) };
  tracked.push(...app.descendants);
  return app;
}

interface Run {
  info: Started;
  child: ChildProcessWithoutNullStreams;
  markerDir: string;
  captured(): string;
  /** Sends a command line to the fake supervisor and waits for its `ok`. */
  command(line: string): Promise<void>;
}

/** The fake supervisor (fixtures/watchdog), driving watchdog.ts from src/ through tsx. */
async function launch(apps: AppMode[], tableSource: TableSource = 'proc', env: NodeJS.ProcessEnv = {}): Promise<Run> {
  const markerDir = await tempDir();
  const config = { graceMs: GRACE_MS, markerDir, apps, tableSource };
  // Own process group, so a test can Ctrl-C it the way a terminal would: kill(-pgid, SIGINT).
  const child = spawn(process.execPath, ['--import', 'tsx', fakeSupervisor, JSON.stringify(config)], {
    cwd: root,
    detached: true,
    env: { ...process.env, DEVRELOAD_WATCHDOG_DEBUG: '1', ...env },
  });
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  const captured = (): string => `supervisor stdout:\n${stdout}\nstderr (with the watchdog's):\n${stderr}`;
  const tracked: number[] = [];
  cleanups.push(() => [child.pid, ...tracked].forEach(killGroup));
  const lines = (): string[] => stdout.split('\n');
  await waitUntil(() => stdout.includes('\n') || child.exitCode !== null, captured);
  if (!stdout.includes('\n')) throw new Error(`the fake supervisor failed\n${captured()}`);
  const info = JSON.parse(lines()[0] ?? '') as Started;
  tracked.push(info.watchdog, ...allPids(info));
  const command = async (line: string): Promise<void> => {
    child.stdin.write(`${line}\n`);
    await waitUntil(() => lines().includes(`ok ${line}`), () => `no answer to ${JSON.stringify(line)}\n${captured()}`);
  };
  return { info, child, markerDir, captured, command };
}

function allPids(info: Started): number[] {
  return info.apps.flatMap((app) => [app.pid, ...app.descendants]);
}

describe.each(sources)('when the supervisor is SIGKILLed (table: %s)', (source) => {
  it('stops the app group and its detached grandchild through their SIGTERM handlers, then exits', async () => {
    const run = await launch(['term', 'grandchild'], source);
    const pids = allPids(run.info);
    expect(await living([...pids, run.info.watchdog])).toHaveLength(pids.length + 1);

    const killedAt = Date.now();
    process.kill(run.info.supervisor, 'SIGKILL');
    // Also proves the app never inherited the pipe's write end: it would hold off EOF forever.
    await expectAllGone([...pids, run.info.watchdog], run.captured);
    const goneAfter = Date.now() - killedAt;

    const markers = await Promise.all(pids.map((pid) => marker(run.markerDir, pid)));
    expect(markers.every((time) => time !== undefined), run.captured()).toBe(true);
    expect(run.captured()).toContain(`table ${source}`);
    const latency = Math.max(...markers.map((time) => (time ?? 0) - killedAt));
    console.info(`watchdog (${source}): supervisor SIGKILL -> last SIGTERM handler ${latency} ms, all gone ${goneAfter} ms`);
    // Loose on purpose (noisy machine): they stop on SIGTERM, so the grace is never used up.
    expect(goneAfter, run.captured()).toBeLessThan(GRACE_MS + 4000);
  });

  it('continues a suspended app (Ctrl-Z left it SIGSTOPped) so its SIGTERM handler runs', async () => {
    const run = await launch(['grandchild'], source);
    const pids = allPids(run.info);
    for (const pid of pids) process.kill(pid, 'SIGSTOP');
    await waitUntil(async () => pids.every((pid) => procState(pid) === 'T'), () => `not all stopped: ${pids.map(procState).join(' ')}`);

    process.kill(run.info.supervisor, 'SIGKILL');
    await expectAllGone([...pids, run.info.watchdog], run.captured);
    // A stopped process keeps SIGTERM pending and dies by SIGKILL after the grace without the CONT.
    const markers = await Promise.all(pids.map((pid) => marker(run.markerDir, pid)));
    expect(markers.every((time) => time !== undefined), run.captured()).toBe(true);
  });

  it('stops an escaped descendant whose parent is gone, because it was remembered', async () => {
    const run = await launch(['orphan'], source);
    const orphan = defined(run.info.apps[0]?.descendants[0], 'orphan pid');
    const entry = (await readProcessTable('proc')).find((candidate) => candidate.pid === orphan);
    expect(entry?.ppid, 'the orphan must be out of reach of a ppid walk').not.toBe(run.info.apps[0]?.pid);
    expect(entry?.pgid, 'and out of the group').not.toBe(run.info.apps[0]?.pid);

    process.kill(run.info.supervisor, 'SIGKILL');
    await expectAllGone([...allPids(run.info), run.info.watchdog], run.captured);
    expect(await marker(run.markerDir, orphan), run.captured()).toBeDefined();
  });

  it('leaves alone a remembered pid whose start time differs (a recycled pid)', async () => {
    const run = await launch(['term'], source);
    const stranger = await startStranger();
    await run.command(`remember 0 ${stranger.pid} ${stranger.wrongStart(source)}`);

    process.kill(run.info.supervisor, 'SIGKILL');
    await expectAllGone([...allPids(run.info), run.info.watchdog], run.captured);
    expect(await living([stranger.pid]), run.captured()).toEqual([stranger.pid]);
  });

  it('SIGKILLs an app that ignores SIGTERM once graceMs is over', async () => {
    const run = await launch(['ignore'], source);
    const app = defined(run.info.apps[0]?.pid, 'app pid');

    const killedAt = Date.now();
    process.kill(run.info.supervisor, 'SIGKILL');
    await expectAllGone([app], run.captured);
    const elapsed = Date.now() - killedAt;
    expect(await marker(run.markerDir, app), 'the app got SIGTERM first').toBeDefined();
    expect(elapsed).toBeGreaterThanOrEqual(GRACE_MS);
    // Loose on purpose (noisy machine); it only catches a graceMs replaced by some default.
    expect(elapsed).toBeLessThan(GRACE_MS + 4000);
    await expectAllGone([run.info.watchdog], run.captured);
  });

  it('is not killed by Ctrl-C (SIGINT) or SIGHUP and still stops the app', async () => {
    const run = await launch(['term'], source);
    const app = defined(run.info.apps[0]?.pid, 'app pid');

    // Its own session: a terminal's Ctrl-C/SIGHUP (sent to groups) cannot reach it at all.
    const entry = (await readProcessTable('proc')).find((candidate) => candidate.pid === run.info.watchdog);
    expect(entry?.sid, run.captured()).toBe(run.info.watchdog);

    process.kill(-run.info.supervisor, 'SIGINT');
    await waitUntil(() => run.captured().includes('\nSIGINT\n'), run.captured);
    // Tree-killers signal descendants directly.
    process.kill(run.info.watchdog, 'SIGINT');
    process.kill(run.info.watchdog, 'SIGHUP');
    // No wait: had either signal ended it, it could not stop the app below, and the marker
    // and "all gone" checks fail.
    process.kill(run.info.supervisor, 'SIGKILL');

    await expectAllGone([app, run.info.watchdog], run.captured);
    expect(await marker(run.markerDir, app), run.captured()).toBeDefined();
  });
});

describe('under a debugger', () => {
  it('does not pass NODE_OPTIONS (a debugger bootloader) on to the watchdog', async () => {
    const run = await launch(['term'], 'proc', { NODE_OPTIONS: '--max-old-space-size=200' });
    const environ = (await readFile(`/proc/${run.info.watchdog}/environ`, 'latin1')).split('\0');
    const supervisorEnviron = (await readFile(`/proc/${run.info.supervisor}/environ`, 'latin1')).split('\0');
    expect(supervisorEnviron, 'the fixture works').toContain('NODE_OPTIONS=--max-old-space-size=200');
    expect(environ).toContain('DEVRELOAD_WATCHDOG_DEBUG=1');
    expect(environ.filter((line) => line.startsWith('NODE_OPTIONS='))).toEqual([]);
  });
});

describe('normal shutdown', () => {
  it('close() leaves unwatched instances running, stops watched ones, and the watchdog exits', async () => {
    const run = await launch(['term', 'term']);
    const unwatched = defined(run.info.apps[0]?.pid, 'app 0');
    const watched = defined(run.info.apps[1]?.pid, 'app 1');
    await run.command('unwatch 0');
    run.child.stdin.write('close\nclose\n');
    await waitUntil(() => run.captured().includes('ok close\nok close\n'), run.captured);

    await expectAllGone([watched, run.info.watchdog], run.captured);
    expect(await marker(run.markerDir, watched), run.captured()).toBeDefined();
    // The watchdog is gone, so nothing can still signal the unwatched app.
    expect(await living([unwatched, run.info.supervisor])).toEqual([unwatched, run.info.supervisor]);
    expect(await marker(run.markerDir, unwatched)).toBeUndefined();
  });

  it('close() with nothing watched exits at once and signals nothing', async () => {
    const run = await launch(['term', 'orphan']);
    await run.command('unwatch 0');
    await run.command('unwatch 1');
    await run.command('close');

    await expectAllGone([run.info.watchdog], run.captured);
    expect(await living(allPids(run.info)), run.captured()).toEqual(allPids(run.info));
    const markers = await Promise.all(allPids(run.info).map((pid) => marker(run.markerDir, pid)));
    expect(markers.filter((time) => time !== undefined)).toEqual([]);
    expect(run.captured()).not.toMatch(/watchdog \d+: stopping/);
  });
});

describe('when the supervisor exits on its own', () => {
  it('does not keep the supervisor alive, and stops the instance it still watched', async () => {
    const markerDir = await tempDir();
    const child = spawn(process.execPath, ['--import', 'tsx', exitingSupervisor, markerDir], {
      cwd: root,
      detached: true,
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let stdout = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
    const captured = (): string => `supervisor stdout:\n${stdout}`;
    let app = 0;
    cleanups.push(() => [child.pid, app].forEach(killGroup));

    // Parsed before waiting for the exit, so the cleanup knows the app even if that fails.
    await waitUntil(() => stdout.includes('\n') || child.exitCode !== null, captured);
    app = (JSON.parse(stdout.split('\n')[0] ?? '') as { app: number }).app;
    await waitUntil(() => child.exitCode !== null || child.signalCode !== null, () => `did not exit\n${captured()}`);
    expect(child.exitCode, captured()).toBe(0);
    await expectAllGone([app], captured);
    expect(await marker(markerDir, app), captured()).toBeDefined();
  });
});

/** watchdog.sh run by the test itself (it plays devreload: writes the lines, closes the pipe). */
function runScript(shell: string[], source: TableSource, env: NodeJS.ProcessEnv = {}) {
  const [command = 'sh', ...args] = shell;
  const startedAt = performance.now();
  const child = spawn(command, [...args, script, String(constants.signals.SIGTERM), String(GRACE_MS), source], {
    detached: true,
    stdio: ['pipe', 'ignore', 'pipe'],
    env: { ...process.env, ...env },
  });
  cleanups.push(() => killGroup(child.pid));
  let stderr = '';
  let readyAfter: number | undefined;
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
    stderr += chunk;
    if (readyAfter === undefined && stderr.includes(': ready')) readyAfter = performance.now() - startedAt;
  });
  const exited = new Promise<{ code: number | null; signal: string | null }>((resolve) => child.on('exit', (code, signal) => resolve({ code, signal })));
  const captured = (): string => `watchdog.sh stderr:\n${stderr}`;
  const ready = async (): Promise<number> => {
    await waitUntil(() => readyAfter !== undefined, captured);
    return readyAfter ?? 0;
  };
  return { child, exited, captured, ready, send: (lines: string) => child.stdin.write(lines) };
}

async function exitOf(child: ChildProcess, exited: Promise<{ code: number | null; signal: string | null }>, captured: () => string) {
  await waitUntil(() => child.exitCode !== null || child.signalCode !== null, captured);
  return exited;
}

describe.each(shells.map((shell) => [shell.join(' '), shell] as const))('watchdog.sh under %s', (_name, shell) => {
  it('with nothing watched, exits 0 at once on EOF; bad lines and pids 0/1 are ignored', async () => {
    const run = runScript(shell, 'proc');
    console.info(`watchdog.sh (${shell.join(' ')}): ready ${(await run.ready()).toFixed(1)} ms after spawn`);
    // Signalling -0 would hit its own group (itself): a watchdog killed by SIGTERM would show it.
    run.send(`+0\n+1\n+01\ngarbage\n=0 5 -\n-${process.pid}\n`);
    run.child.stdin.end();
    expect(await exitOf(run.child, run.exited, run.captured), run.captured()).toEqual({ code: 0, signal: null });
    expect(run.captured()).toContain(`ignoring line '+0'`);
    expect(run.captured()).not.toMatch(/stopping/);
  });

  it('ignores SIGINT and SIGHUP; SIGTERM still ends it', async () => {
    const run = runScript(shell, 'proc');
    await run.ready();
    run.child.kill('SIGINT');
    run.child.kill('SIGHUP');
    // Pending signals are delivered lowest number first: had HUP (1) or INT (2) not been
    // ignored, one of them, not TERM (15), would be what ended it.
    run.child.kill('SIGTERM');
    expect(await exitOf(run.child, run.exited, run.captured)).toEqual({ code: null, signal: 'SIGTERM' });
  });

  it.each(sources)('on EOF stops the watched group and its detached grandchild, not a stranger (table: %s)', async (source) => {
    const markerDir = await tempDir();
    const app = await startApp('grandchild', markerDir);
    const stranger = await startStranger();
    const run = runScript(shell, source);
    run.send(`+${app.pid}\n=${app.pid} ${stranger.pid} ${stranger.wrongStart(source)}\n`);
    // The last line without its newline, as a killed writer may leave it: still applied.
    run.send(`=${app.pid} ${defined(app.descendants[0], 'grandchild')} -`);
    run.child.stdin.end();

    expect(await exitOf(run.child, run.exited, run.captured), run.captured()).toEqual({ code: 0, signal: null });
    const pids = [app.pid, ...app.descendants];
    await expectAllGone(pids, run.captured);
    const markers = await Promise.all(pids.map((pid) => marker(markerDir, pid)));
    expect(markers.every((time) => time !== undefined), run.captured()).toBe(true);
    expect(await living([stranger.pid]), run.captured()).toEqual([stranger.pid]);
  });
});

/** A `sleep` outside every instance's tree (the test's own detached child) with `entry` in its environment. */
async function tagged(entry: string): Promise<number> {
  const [name = '', value = ''] = entry.split(/=(.*)/s);
  const child = spawn('sleep', ['60'], { detached: true, stdio: 'ignore', env: { PATH: process.env.PATH, [name]: value } });
  const pid = defined(child.pid, 'tagged pid');
  cleanups.push(() => killGroup(pid));
  await waitUntil(async () => (await living([pid])).length === 1, () => `${entry} did not start`);
  return pid;
}

describe.each(shells.map((shell) => [shell.join(' '), shell] as const))('watchdog.sh tags under %s', (_name, shell) => {
  it.each(sources)('on EOF also stops processes tagged by this run, wherever they are, and no lookalike (table: %s)', async (source) => {
    const markerDir = await tempDir();
    const app = await startApp('term', markerDir);
    // Random, as devreload's own: a fixed one would let this watchdog stop another test's processes.
    const secret = randomBytes(16).toString('hex');
    const daemons = await Promise.all([`DEVRELOAD_INSTANCE=${secret}.1`, `DEVRELOAD_INSTANCE=${secret}.12`].map(tagged));
    const lookalikes = await Promise.all(
      [`DEVRELOAD_INSTANCE=${secret}.`, `DEVRELOAD_INSTANCE=${secret}`, `DEVRELOAD_INSTANCE=${secret}.1x`, `X_DEVRELOAD_INSTANCE=${secret}.1`,
        `OTHER=DEVRELOAD_INSTANCE=${secret}.1`, `DEVRELOAD_INSTANCE=${secret.slice(0, -1)}.1`, `DEVRELOAD_INSTANCE=${randomBytes(16).toString('hex')}.1`].map(tagged),
    );
    const run = runScript(shell, source, { DEVRELOAD_WATCHDOG_RUN: secret, DEVRELOAD_WATCHDOG_DEBUG: '1' });
    await run.ready();
    expect(run.captured()).toContain('tags on');
    run.send(`+${app.pid}\n`);
    run.child.stdin.end();

    expect(await exitOf(run.child, run.exited, run.captured), run.captured()).toEqual({ code: 0, signal: null });
    await expectAllGone([app.pid, ...daemons], run.captured);
    expect(await living(lookalikes), run.captured()).toEqual(lookalikes);
    expect(run.captured()).not.toContain(secret);
  });

  it('with nothing watched, still stops this run’s tagged processes on EOF (an instance devreload had not announced yet), and nothing else', async () => {
    const secret = randomBytes(16).toString('hex');
    const daemon = await tagged(`DEVRELOAD_INSTANCE=${secret}.1`);
    const stranger = await tagged(`DEVRELOAD_INSTANCE=${randomBytes(16).toString('hex')}.1`);
    const run = runScript(shell, 'proc', { DEVRELOAD_WATCHDOG_RUN: secret });
    await run.ready();
    run.child.stdin.end();
    expect(await exitOf(run.child, run.exited, run.captured), run.captured()).toEqual({ code: 0, signal: null });
    await expectAllGone([daemon], run.captured);
    expect(await living([stranger])).toEqual([stranger]);
  });
});

describe('footprint', () => {
  it('an idle watchdog costs little private memory (measured from /proc/<pid>/smaps_rollup)', async () => {
    const watchdog = startWatchdog({ signal: 'SIGTERM', graceMs: GRACE_MS });
    const pid = defined(watchdog.pid, 'watchdog pid');
    cleanups.push(() => {
      watchdog.close();
      killGroup(pid);
    });
    // Idle = asleep in read on its pipe, a socket pair from Node (wchan reads 0 where the kernel hides it).
    const idle = async (): Promise<boolean> => {
      const state = (await readFile(`/proc/${pid}/stat`, 'latin1')).split(') ')[1]?.[0];
      const wchan = await readFile(`/proc/${pid}/wchan`, 'latin1').catch(() => '0');
      return state === 'S' && (wchan.includes('read') || wchan === '0');
    };
    await waitUntil(idle, () => 'never idle');
    const rollup = await readFile(`/proc/${pid}/smaps_rollup`, 'latin1');
    const kib = (field: string): number => Number(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(rollup)?.[1]);
    const privateKiB = kib('Private_Dirty') + kib('Private_Clean');
    console.info(`watchdog footprint: RSS ${kib('Rss')} KiB, PSS ${kib('Pss')} KiB, private ${privateKiB} KiB`);
    // A second Node process costs ~8 MiB private; the goal is at most 2 MiB.
    expect(privateKiB).toBeGreaterThan(0);
    expect(privateKiB).toBeLessThanOrEqual(2048);
    watchdog.close();
    await expectAllGone([pid], () => 'the watchdog did not exit on close()');
  });
});

/** The state letter of /proc/<pid>/stat ('T' when stopped), or undefined once gone. */
function procState(pid: number): string | undefined {
  try {
    return readFileSync(`/proc/${pid}/stat`, 'latin1').split(') ')[1]?.[0];
  } catch {
    return undefined;
  }
}
