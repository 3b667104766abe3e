import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { disposeAfterEach, Devreload, forceKill, isAlive, parked, Project, serverFixture, waitUntil, waitUntilGone } from './harness.js';

// At the defaults (no --prestart) a restart's runtime boots through the park script as soon as
// the restart is owed, and is woken when the quiet window ends. A long --delay keeps the window
// open so the spare can be seen from outside, through /proc, as a user's process list shows it.
const describeOnLinux = describe.skipIf(process.platform !== 'linux');

let project: Project;

disposeAfterEach();

async function launch(args: string[], command: string[], env: NodeJS.ProcessEnv = {}): Promise<Devreload> {
  project = await Project.create();
  const d = new Devreload([...args, '--', ...command], { cwd: project.dir, env: { APP_RECORD: project.record, ...env } });
  await d.waitFor(/\[devreload\] watching/);
  await waitUntil(() => project.entries('start').length === 1, { describe: () => d.output });
  return d;
}

/** The one spare booted for the restart under way (none before a change: the defaults park nothing ahead). */
async function spareDuringWindow(d: Devreload): Promise<number> {
  expect(parked(d.pid)).toEqual([]);
  await project.save('src/app.js');
  await waitUntil(() => parked(d.pid).length === 1, { describe: () => `one spare (found ${JSON.stringify(parked(d.pid))})\n${d.output}` });
  return parked(d.pid)[0] as number;
}

describeOnLinux('defaults: a spare booted when a restart is owed', () => {
  it('the restart wakes the runtime booted at the change, which is the app a fresh start would be', async () => {
    project = await Project.create();
    await writeFile(
      project.path('src/show.cjs'),
      "console.log('seen ' + JSON.stringify({ pid: process.pid, path: process.env.PATH, execArgv: process.execArgv, greeting: process.env.APP_GREETING, main: require.main === module, mainModule: process.mainModule === module, argv: process.argv.slice(1), cwd: process.cwd() })); setInterval(() => {}, 1 << 30);\n",
    );
    const d = new Devreload(['--watch', 'src', '--delay', '1500', '--verbose', '--', 'node', '--no-warnings', 'src/show.cjs', 'an arg'], { cwd: project.dir, env: { APP_GREETING: 'hi' } });
    const seen = () => [...d.stdout.matchAll(/seen (\{.*\})/g)].map((m) => JSON.parse(m[1] as string) as { pid: number; path: string });
    await waitUntil(() => seen().length === 1, { describe: () => d.output });
    await d.waitFor(/\[devreload\] watching/);
    expect(parked(d.pid)).toEqual([]);
    await project.save('src/app.js');
    await waitUntil(() => parked(d.pid).length === 1, { describe: () => d.output });
    const spare = parked(d.pid)[0] as number;
    // Parked through the window: it runs no user code until the wake.
    expect(seen().map((s) => s.pid)).not.toContain(spare);
    await waitUntil(() => seen().length === 2, { describe: () => d.output });
    const [cold, woken] = seen();
    expect(woken!.pid, d.output).toBe(spare);
    expect({ ...woken, pid: 0 }).toEqual({ ...cold, pid: 0 });
    expect(woken).toMatchObject({ main: true, mainModule: true, argv: [project.path('src/show.cjs'), 'an arg'], cwd: project.dir });
    expect(cold!.path.split(path.delimiter)[0]).toBe(path.join(project.dir, 'node_modules/.bin'));
    expect(d.count(/woke a Node runtime booted at the change/)).toBe(1);
    // Nothing is parked ahead of the next change (the woken app still runs the park script), and nothing about --prestart is said.
    expect(parked(d.pid)).toEqual([spare]);
    expect(d.output).not.toMatch(/--prestart/);
  });

  it('a burst of 25 files is one restart, woken from the one spare booted at its first file', async () => {
    const d = await launch(['--watch', 'src', '--verbose'], ['node', serverFixture]);
    await d.waitFor(/\[app \d+\] ready/);
    await Promise.all(Array.from({ length: 25 }, (_, i) => project.save(`src/file${i}.js`)));
    await waitUntil(() => project.entries('start').length === 2, { describe: () => d.output });
    // Settled: well past the burst window, nothing else starts.
    await d.waitFor(/\[app \d+\] ready/, 2);
    await project.save('src/marker.js');
    await waitUntil(() => project.entries('start').length === 3, { describe: () => d.output });
    const starts = project.entries('start');
    expect(JSON.parse(starts[1]!.changed as string)).toHaveLength(25);
    expect(d.count(/\[devreload\] restarting/)).toBe(2);
    expect(d.count(/woke a Node runtime booted at the change/)).toBe(2);
    expect(d.count(/starting cold/)).toBe(0);
  });

  it('no spare survives Ctrl-C during the quiet window; it never ran the app', async () => {
    const d = await launch(['--watch', 'src', '--delay', '5000'], ['node', serverFixture]);
    const spare = await spareDuringWindow(d);
    const app = project.entries('start')[0]!.pid;
    d.interrupt();
    await d.waitForExit();
    await waitUntilGone([spare, app], () => d.output, 5000);
    expect([spare, app].filter(isAlive)).toEqual([]);
    expect(project.entries('start').map((e) => e.pid)).toEqual([app]);
  });

  it('no spare survives a SIGKILL of devreload: the watchdog stops it', async () => {
    const d = await launch(['--watch', 'src', '--delay', '5000'], ['node', serverFixture], { DEVRELOAD_WATCHDOG_DEBUG: '1' });
    const spare = await spareDuringWindow(d);
    // Seen in /proc from its exec on; the watchdog hears of it once devreload had the spawn.
    await d.waitFor(new RegExp(`watchdog \\d+: watching ${spare}\\b`));
    forceKill(d.pid);
    await d.waitForExit();
    await waitUntilGone([spare], () => d.output, 10_000);
    await waitUntil(() => /watchdog \d+: stopping/.test(d.stderr), { describe: () => d.output });
    const stopping = /watchdog \d+: stopping([^\n]*)/.exec(d.stderr)?.[1] ?? '';
    expect(stopping.split(/[\s:]+/).map(Number)).toContain(spare);
  });

  it('--on-exit quit: a woken app that exits ends the run, and nothing of it or its spare is left', async () => {
    const crash = 'src/crash';
    const d = await launch(['--watch', 'src', '--delay', '1500', '--on-exit', 'quit'], ['node', serverFixture], { APP_CRASH_IF: crash });
    const spare = await spareDuringWindow(d);
    // The save above is a plain change; this one makes the woken app exit with code 3 at once.
    await project.save(crash);
    const exit = await d.waitForExit();
    expect(exit.code, d.output).toBe(3);
    expect(project.entries('start').map((e) => e.pid)).toContain(spare);
    await waitUntilGone([spare], () => d.output, 5000);
    expect(isAlive(spare)).toBe(false);
  });

  it('a woken instance slow to stop is named by the command the user gave, not the park script', async () => {
    project = await Project.create();
    // Slow to stop only once slow-stop exists (outside the watched src/): the first stop is quick.
    await writeFile(
      project.path('src/slow.cjs'),
      "const fs = require('node:fs'); console.log('up ' + process.pid); process.on('SIGINT', () => { if (!fs.existsSync('slow-stop')) process.exit(0); }); process.on('SIGTERM', () => process.exit(0)); setInterval(() => {}, 1 << 30);\n",
    );
    const d = new Devreload(['--watch', 'src', '--verbose', '--', 'node', 'src/slow.cjs'], { cwd: project.dir });
    await d.waitFor(/up \d+/);
    await project.save('src/app.js');
    await d.waitFor(/up \d+/, 2);
    expect(d.count(/woke a Node runtime booted at the change/)).toBe(1);
    const woken = Number([...d.output.matchAll(/up (\d+)/g)].at(-1)![1]);
    await writeFile(project.path('slow-stop'), '');
    d.interrupt();
    await d.waitFor(new RegExp(`waiting for pid ${woken} \\(node src/slow\\.cjs\\) to exit`));
    expect(d.output).not.toMatch(/park\.cjs/);
    d.interrupt();
    await d.waitForExit();
    await waitUntilGone([woken], () => d.output, 5000);
  });

  it('a syntax error saved into the main script shows the stack a fresh start shows, with nothing of devreload in it', async () => {
    project = await Project.create();
    await writeFile(project.path('src/main.cjs'), "console.log('up ' + process.pid); setInterval(() => {}, 1 << 30);\n");
    const d = new Devreload(['--watch', 'src', '--verbose', '--', 'node', 'src/main.cjs'], { cwd: project.dir });
    await d.waitFor(/up \d+/);
    await writeFile(project.path('src/main.cjs'), "console.log('up' +);\n");
    await d.waitFor(/app exited with code 1/);
    expect(d.count(/woke a Node runtime booted at the change/)).toBe(1);
    expect(d.stderr).toMatch(/SyntaxError[^\n]*\n\s+at /);
    expect(d.stderr).toMatch(/at \S+ \[as runMain\] \(node:internal/);
    expect(d.output).not.toMatch(/dist\/prestart|park\.cjs/);
  });

  it('a command that is not Node, or has --inspect, restarts cold as before, without a word about spares', async () => {
    for (const command of [
      ['sh', '-c', `exec node ${serverFixture}`],
      ['node', '--inspect=127.0.0.1:0', serverFixture],
      // A user preload: the wake would run it as Node does, but the user did not ask for a spare.
      ['node', '-r', 'node:fs', serverFixture],
    ]) {
      const d = await launch(['--watch', 'src', '--delay', '800', '--verbose'], command);
      await project.save('src/app.js');
      await d.waitFor(/restarting/);
      expect(parked(d.pid), command.join(' ')).toEqual([]);
      await waitUntil(() => project.entries('start').length === 2, { describe: () => d.output });
      expect(d.output).not.toMatch(/spare|prestart|booted at the change/);
      d.interrupt();
      await d.waitForExit();
    }
  });
});
