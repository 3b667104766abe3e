import { writeFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { disposeAfterEach, hasCommand, isAlive, Project, serverFixture, starts, waitUntil, waitUntilGone } from './harness.js';
import { closeTerminalsAfterEach, parentOf, processState, Terminal, waitForState } from './terminal.js';

// Job control and terminal input, through a real pseudo-terminal with an interactive bash:
// Ctrl-Z, `fg`, `&`, Ctrl-D and Ctrl-C are typed, not simulated with signals to pids.

disposeAfterEach();
closeTerminalsAfterEach();

const ready = /\] ready\b/;
const watching = /\[devreload\] watching/;

async function session(args: string[] = [], env: NodeJS.ProcessEnv = {}, background = false) {
  const project = await Project.create();
  const terminal = new Terminal(project.dir, { APP_RECORD: project.record, ...env });
  terminal.line(`${Terminal.devreload(['--watch', 'src', ...args, '--', 'node', serverFixture])}${background ? ' &' : ''}`);
  await terminal.waitFor(watching);
  await terminal.waitFor(ready);
  const app = project.entries('start')[0]?.pid;
  if (app === undefined) throw new Error(`no app started\n${terminal.screen}`);
  const devreload = parentOf(app);
  if (devreload === undefined) throw new Error(`no devreload above pid ${app}\n${terminal.screen}`);
  return { project, terminal, app, devreload };
}

describe.skipIf(!hasCommand('tmux'))('a terminal that behaves (needs tmux)', () => {
  it('Ctrl-Z stops the app and devreload; fg resumes both; changes made while suspended give exactly one restart, after resume', async () => {
    const { project, terminal, app, devreload } = await session();
    terminal.press('C-z');
    await waitForState([app, devreload], true, () => terminal.screen);
    await terminal.waitFor(/Stopped/);

    await project.write('src/app.js');
    await project.write('src/other.js');
    // Nothing may restart while suspended: devreload is stopped, so it cannot.
    expect(starts(project)).toBe(1);

    terminal.line('fg');
    await waitForState([app, devreload], false, () => terminal.screen);
    await terminal.waitFor(ready, 2);
    // `rs` marks the end: had the suspended changes given a second restart, it would come before
    // this one or in its place.
    terminal.line('rs');
    await terminal.waitFor(ready, 3);
    const changed = project.entries('start').map((entry) => entry.changed);
    expect(changed.length, terminal.screen).toBe(3);
    // The restart after resume names what it was for. A write chokidar's throttle dropped and its
    // re-check found after that restart's spawn is not named: the new instance loaded it already
    // (seen once in CI, under load: only src/other.js named).
    const named = JSON.parse(changed[1] ?? '[]') as string[];
    expect(named.length, terminal.screen).toBeGreaterThan(0);
    expect(named.every((file) => ['src/app.js', 'src/other.js'].includes(file)), terminal.screen).toBe(true);
    expect(changed[2], terminal.screen).toBe(JSON.stringify([]));
    expect(terminal.screen).toMatch(/restarting \(requested\)/);
  });

  it('bg after Ctrl-Z resumes the app too, in the background', async () => {
    const { terminal, app, devreload } = await session();
    terminal.press('C-z');
    await waitForState([app, devreload], true, () => terminal.screen);
    terminal.line('bg');
    await waitForState([app, devreload], false, () => terminal.screen);
    // Running in the background, it does not read the terminal (it would be stopped by SIGTTIN).
    terminal.line('true');
    terminal.line('fg');
    terminal.line('rs');
    await terminal.waitFor(/restarting \(requested\)/);
    await terminal.waitFor(ready, 2);
  });

  it.each([
    ['/proc', {}],
    ['ps (the macOS path)', { DEVRELOAD_PROCESS_TABLE: 'ps' }],
  ])('started with `&` and brought back with `fg`, `rs` + Enter restarts and lines reach the app (%s)', async (_, env) => {
    const { terminal, devreload } = await session([], env, true);
    expect(processState(devreload)).not.toBe('T');
    terminal.line('fg');
    terminal.line('rs');
    await terminal.waitFor(/restarting \(requested\)/);
    await terminal.waitFor(ready, 2);
    terminal.line('hello after fg');
    await terminal.waitFor(/stdin: hello after fg/);
  });

  it('Ctrl-Z while the app is stopping: the kill timeout stands still while suspended, and the app finishes its shutdown after fg', async () => {
    const { project, terminal, app, devreload } = await session(['--kill-timeout', '3000'], { APP_STOP_MS: '2000' });
    terminal.line('rs');
    await terminal.waitFor(/got SIGTERM/);
    terminal.press('C-z');
    await waitForState([app, devreload], true, () => terminal.screen);
    const suspendedAt = Date.now();
    // Suspended for longer than the whole kill timeout: the scenario's own duration.
    await waitUntil(() => Date.now() - suspendedAt > 4000, { timeout: 10_000, describe: () => 'time to pass' });
    terminal.line('fg');
    await terminal.waitFor(ready, 2);
    expect(project.entries('stopped').map((e) => e.pid), terminal.screen).toEqual([app]);
    expect(terminal.screen).not.toMatch(/did not stop within/);
  });

  it('`npm run dev` (npm and bash above devreload): Ctrl-Z stops npm, devreload and the app; fg resumes them; Ctrl-C ends cleanly', async () => {
    const project = await Project.create();
    const dev = Terminal.devreload(['--watch', 'src', '--', 'node', serverFixture]);
    await writeFile(project.path('package.json'), JSON.stringify({ name: 'app', private: true, scripts: { dev } }));
    const terminal = new Terminal(project.dir, { APP_RECORD: project.record });
    // bash as the script shell execs devreload: npm itself is its parent, and forwards Ctrl-C.
    terminal.line('npm --script-shell=bash run dev');
    await terminal.waitFor(ready);
    const app = project.entries('start')[0]?.pid ?? 0;
    const devreload = parentOf(app) ?? 0;
    const npm = parentOf(devreload) ?? 0;
    terminal.press('C-z');
    await waitForState([app, devreload, npm], true, () => terminal.screen);
    terminal.line('fg');
    await waitForState([app, devreload, npm], false, () => terminal.screen);
    terminal.line('rs');
    await terminal.waitFor(ready, 2);
    terminal.press('C-c');
    await waitUntilGone([npm, devreload, ...project.allPids()], () => terminal.screen);
    expect(terminal.screen).not.toMatch(/npm (error|ERR!)|second interrupt/i);
    expect(project.entries('stopped')).toHaveLength(2);
  });

  it('Ctrl-D ends one read, not the terminal: `rs` still restarts and later lines still reach the app', async () => {
    const { terminal } = await session();
    terminal.press('C-d');
    terminal.line('hello after ctrl-d');
    await terminal.waitFor(/stdin: hello after ctrl-d/);
    terminal.press('C-d');
    terminal.line('rs');
    await terminal.waitFor(/restarting \(requested\)/);
    await terminal.waitFor(ready, 2);
  });

  it('a slow stop says what it waits for; a second Ctrl-C then forces it', async () => {
    const { project, terminal, app, devreload } = await session([], { APP_STOP_MS: '60000' });
    terminal.press('C-c');
    await terminal.waitFor(new RegExp(`waiting for pid ${app} \\(node .*server\\.js\\) to exit — \\d+(\\.\\d)? s until SIGKILL; Ctrl-C again to force`));
    expect(terminal.count(/waiting for pid/)).toBe(1);
    terminal.press('C-c');
    await terminal.waitFor(/second interrupt/);
    await waitUntilGone([app, devreload], () => terminal.screen);
    expect(project.entries('stopped')).toHaveLength(0);
  });

  it('a second Ctrl-C 100 ms after the first forces the stop', async () => {
    const { project, terminal, app, devreload } = await session([], { APP_STOP_MS: '60000' });
    terminal.press('C-c');
    await waitUntil(() => project.entries().length > 0 && /got SIGINT/.test(terminal.screen), { describe: () => terminal.screen });
    // A quick human double press: the scenario's own duration, not a wait for an event.
    await new Promise((resolve) => setTimeout(resolve, 100));
    terminal.press('C-c');
    await terminal.waitFor(/second interrupt/);
    await waitUntilGone([app, devreload], () => terminal.screen);
    expect(isAlive(app)).toBe(false);
  });
});
