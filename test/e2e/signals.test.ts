import { describe, expect, it } from 'vitest';
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

describe('signals sent to devreload', () => {
  it('Ctrl-C forwards SIGINT, lets the shutdown handler run, leaves nothing behind and exits 130', async () => {
    const d = await launch(['--watch', 'src'], { APP_WORKERS: '2', APP_STOP_MS: '200' });
    const pids = project.allPids();
    d.interrupt();
    const exit = await d.waitForExit();
    expect(exit, d.output).toEqual({ code: 130, signal: null });
    expect(d.stdout).toMatch(/got SIGINT/);
    expect(project.entries('stopped')).toHaveLength(1);
    expect(pids.filter(isAlive)).toEqual([]);
  });

  it('SIGTERM to devreload alone forwards SIGTERM and exits 143', async () => {
    const d = await launch(['--watch', 'src'], { APP_STOP_MS: '200' });
    const pids = project.allPids();
    d.signal('SIGTERM');
    const exit = await d.waitForExit();
    expect(exit, d.output).toEqual({ code: 143, signal: null });
    expect(d.stdout).toMatch(/got SIGTERM/);
    expect(project.entries('stopped')).toHaveLength(1);
    expect(pids.filter(isAlive)).toEqual([]);
  });

  it('SIGHUP (terminal closed) stops the app with the stop signal and exits 129 without restarting', async () => {
    const d = await launch(['--watch', 'src', '--signal', 'SIGUSR2']);
    const pids = project.allPids();
    d.signal('SIGHUP');
    const exit = await d.waitForExit();
    expect(exit, d.output).toEqual({ code: 129, signal: null });
    expect(project.entries('stopped').map((e) => e.signal)).toEqual(['SIGUSR2']);
    expect(project.entries('start')).toHaveLength(1);
    expect(pids.filter(isAlive)).toEqual([]);
  });

  it('SIGTSTP in an orphaned process group (no shell to continue it) stops nothing: devreload and the app go on', async () => {
    // The harness starts devreload in a session of its own: its group is orphaned, and the
    // kernel discards a SIGTSTP with the default action there, as for any program.
    const d = await launch(['--watch', 'src']);
    d.signal('SIGTSTP');
    await project.write('src/app.js');
    // Only a devreload that still runs restarts; the old app ran its SIGTERM handler, so it was
    // continued after devreload's SIGSTOP (a stopped app would have been SIGKILLed instead).
    await d.waitFor(/\] ready\b/, 2, 20_000);
    expect(project.entries('stopped').map((e) => e.signal), d.output).toEqual(['SIGTERM']);
    d.interrupt();
    expect(await d.waitForExit(), d.output).toEqual({ code: 130, signal: null });
  });

  it('a second Ctrl-C while stopping kills the app at once', async () => {
    const d = await launch(['--watch', 'src'], { APP_STOP_MS: '60000' });
    const pids = project.allPids();
    d.interrupt();
    await d.waitFor(/got SIGINT/);
    // A human's second press, well past the window in which one press can arrive twice.
    await new Promise((resolve) => setTimeout(resolve, 400));
    d.interrupt();
    const exit = await d.waitForExit(10_000);
    expect(exit, d.output).toEqual({ code: 130, signal: null });
    expect(d.stderr).toMatch(/second interrupt/);
    expect(project.entries('stopped')).toHaveLength(0);
    expect(pids.filter(isAlive)).toEqual([]);
  });

  it('one Ctrl-C delivered twice at once (npm with bash forwarding it) still stops gracefully', async () => {
    const d = await launch(['--watch', 'src'], { APP_STOP_MS: '300' });
    d.interrupt();
    d.signal('SIGINT');
    const exit = await d.waitForExit();
    expect(exit, d.output).toEqual({ code: 130, signal: null });
    expect(d.stderr).not.toMatch(/second interrupt/);
    expect(project.entries('stopped')).toHaveLength(1);
  });

  it.each([
    ['/proc', {}],
    ['ps (the macOS path)', { DEVRELOAD_PROCESS_TABLE: 'ps' }],
  ])('a slow stop: one `waiting` event (--json) names what is left and when SIGKILL comes (%s)', async (_, env) => {
    const d = await launch(['--watch', 'src', '--json'], { APP_STOP_MS: '60000', APP_WORKERS: '1', CHILD_STOP_MS: '60000', ...env });
    const [app, worker] = project.allPids();
    d.signal('SIGTERM');
    await d.waitFor(/"event":"waiting"/);
    const waiting = d.stdout.split('\n').filter((line) => line.includes('"event":"waiting"')).map((line) => JSON.parse(line) as { pid: number; processes: Array<{ pid: number; command: string }>; killInMs: number });
    expect(waiting).toHaveLength(1);
    expect(waiting[0]?.pid).toBe(app);
    expect(waiting[0]?.killInMs).toBe(4000);
    expect(waiting[0]?.processes.map((p) => p.pid)).toEqual([app, worker]);
    expect(waiting[0]?.processes[0]?.command).toMatch(/node .*server\.js$/);
    expect(waiting[0]?.processes[1]?.command).toMatch(/node -e/);
    // The human-readable line is on stderr.
    expect(d.stderr).toMatch(new RegExp(`waiting for pids ${app} \\(node .*server\\.js\\), ${worker} \\(\\S*node -e`));
    expect(d.stderr.match(/waiting for/g)).toHaveLength(1);
    d.interrupt();
    expect(await d.waitForExit()).toEqual({ code: 143, signal: null });
    expect([app, worker].filter((pid) => pid !== undefined && isAlive(pid))).toEqual([]);
  });

  it('when devreload is SIGKILLed, the watchdog stops the app and its workers', async () => {
    const d = await launch(['--watch', 'src'], { APP_WORKERS: '1', APP_DETACHED: '1' });
    const pids = project.allPids();
    expect(pids).toHaveLength(2);
    d.signal('SIGKILL');
    await d.waitForExit();
    await waitUntilGone(pids, () => d.output, 10_000);
    expect(project.entries('stopped').map((e) => e.signal)).toEqual(['SIGTERM']);
  });

  it('without a readable process table (no /proc, no ps) the app is still stopped and restarted', async () => {
    project = await Project.create();
    const p = project;
    devreload = new Devreload(['--watch', 'src', '--', process.execPath, serverFixture], {
      cwd: p.dir,
      env: { APP_RECORD: p.record, DEVRELOAD_PROCESS_TABLE: 'ps', PATH: '/nonexistent' },
    });
    const d = devreload;
    await d.waitFor(/\[devreload\] watching/);
    await d.waitFor(/\] ready\b/);
    await p.write('src/app.js');
    await d.waitFor(/\] ready\b/, 2);
    const pids = p.allPids();
    d.interrupt();
    expect(await d.waitForExit()).toEqual({ code: 130, signal: null });
    expect(pids.filter(isAlive)).toEqual([]);
    expect(d.output).not.toMatch(/\n\s+at /);
  });

  it('a closed stdout (`--json … | head -1`) does not bring devreload down', async () => {
    const d = await launch(['--watch', 'src', '--json']);
    d.child.stdout?.destroy();
    await project.write('src/app.js');
    await d.waitFor(/\] ready\b/, 2);
    await project.write('src/app.js');
    await d.waitFor(/\] ready\b/, 3);
    expect(d.alive).toBe(true);
    expect(d.stderr).not.toMatch(/EPIPE|Unhandled/);
  });
});
