import { rm } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { disposeAfterEach, Devreload, Project, serverFixture, starts } from './harness.js';

let project: Project | undefined;
let devreload: Devreload | undefined;

disposeAfterEach();

const ready = /\] ready\b/;
const watching = /\[devreload\] watching/;

async function launch(args: string[], env: NodeJS.ProcessEnv = {}, stdin: 'pipe' | 'ignore' = 'pipe'): Promise<Devreload> {
  project ??= await Project.create();
  devreload = new Devreload([...args, '--', 'node', serverFixture], { cwd: project.dir, env: { APP_RECORD: project.record, ...env }, stdin });
  await devreload.waitFor(watching);
  return devreload;
}

describe('controls and exit policies', () => {
  it('`rs` + Enter restarts; other lines reach the app’s stdin', async () => {
    project = await Project.create();
    const d = await launch(['--watch', 'src']);
    await d.waitFor(ready);
    d.type('hello there\n');
    await d.waitFor(/stdin: hello there/);
    d.type('rs\n');
    await d.waitFor(ready, 2);
    expect(d.stderr).toMatch(/restarting \(requested\)/);
    d.type('after restart\n');
    await d.waitFor(/stdin: after restart/);
    expect(starts(project)).toBe(2);
  });

  it('a closed or non-terminal stdin changes nothing: devreload stays up and keeps restarting', async () => {
    project = await Project.create();
    const d = await launch(['--watch', 'src'], {}, 'ignore');
    await d.waitFor(ready);
    await project.write('src/app.js');
    await d.waitFor(ready, 2);
    expect(d.alive).toBe(true);

    await d.dispose();
    const e = await launch(['--watch', 'src']);
    await e.waitFor(ready);
    e.child.stdin?.end();
    await project.write('src/app.js');
    await e.waitFor(ready, 2);
    expect(e.alive).toBe(true);
  });

  it('--on-exit restart: a crashing app is restarted with growing backoff and a crash-loop message', async () => {
    project = await Project.create();
    await project.write('crash-flag', 'yes');
    const d = await launch(['--watch', 'src', '--on-exit', 'restart'], { APP_CRASH_IF: project.path('crash-flag') });
    await d.waitFor(/app exited with code 3 — restarting in 200 ms/);
    await d.waitFor(/app exited with code 3 — restarting in 400 ms/);
    await d.waitFor(/app keeps crashing \(exited with code 3, 3 times in a row\) — crash loop: restarting in 800 ms/);
    await rm(project.path('crash-flag'));
    await d.waitFor(ready);
    expect(d.alive).toBe(true);
  });

  it('--on-exit quit: devreload exits with the app’s own code', async () => {
    project = await Project.create();
    await project.write('crash-flag', 'yes');
    // Not waiting for "watching": the app may be gone, and devreload with it, before the scan ends.
    const d = new Devreload(['--watch', 'src', '--on-exit', 'quit', '--', 'node', serverFixture], {
      cwd: project.dir,
      env: { APP_RECORD: project.record, APP_CRASH_IF: project.path('crash-flag') },
    });
    devreload = d;
    const exit = await d.waitForExit();
    expect(exit, d.output).toEqual({ code: 3, signal: null });
    expect(d.stderr).toMatch(/app exited with code 3 — exiting \(--on-exit quit\)/);
  });

  it('--on-exit wait (the default) waits for a change: no restart while an --on-exit restart control crashes three times', async () => {
    const crashing = async (args: string[]) => {
      const p = await Project.create();
      await p.write('crash-flag', 'yes');
      const d = new Devreload([...args, '--watch', 'src', '--', 'node', serverFixture], { cwd: p.dir, env: { APP_RECORD: p.record, APP_CRASH_IF: p.path('crash-flag') } });
      await d.waitFor(watching);
      return { p, d };
    };
    const waiting = [await crashing(['--on-exit', 'wait']), await crashing([])];
    for (const { d } of waiting) await d.waitFor(/app exited with code 3 — waiting for changes/);

    // A "no restart" is only seen by waiting long enough for one: the control, started after both
    // waiters' apps had exited, runs the same app under `restart`. By its third exit it has been
    // through two backoffs (200 + 400 ms) and two more boots, so a waiter that restarted like it
    // would have started again at least twice by then, however slow the machine.
    const control = await crashing(['--on-exit', 'restart']);
    await control.d.waitFor(/crash loop: restarting in 800 ms/);
    expect(starts(control.p), control.d.output).toBeGreaterThanOrEqual(3);
    for (const { p, d } of waiting) {
      expect(starts(p), d.output).toBe(1);
      expect(d.output).not.toMatch(/restarting in/);
    }

    // …and a change does start it, as a change (the control's retries carry no changed paths).
    for (const { p } of waiting) {
      await rm(p.path('crash-flag'));
      await p.write('src/app.js');
    }
    for (const { p, d } of waiting) {
      await d.waitFor(ready);
      expect(d.stderr).toMatch(/restarting: src\/app\.js changed/);
      expect(p.entries('start').map((e) => e.changed), d.output).toEqual([JSON.stringify([]), JSON.stringify(['src/app.js'])]);
    }
  });
});
