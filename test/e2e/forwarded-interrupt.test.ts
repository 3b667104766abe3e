import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { devreloadBin, disposeAfterEach, Devreload, isAlive, Project, repoRoot, serverFixture, waitUntilGone } from './harness.js';

// One Ctrl-C under `npm run` (bash as the script shell) reaches devreload twice: from the
// terminal, and from npm, whose copy a loaded machine delays (70 ms and more were seen; past
// 50 ms it was taken for a second press and the app was SIGKILLed). A stand-in for such an npm
// (fixtures/e2e/late-forwarder.js) forwards each signal 150 ms late, every time.

disposeAfterEach();

const forwarder = path.join(repoRoot, 'fixtures/e2e/late-forwarder.js');
const ready = /\] ready\b/;

async function underLateNpm(env: NodeJS.ProcessEnv): Promise<{ d: Devreload; p: Project; app: number }> {
  const p = await Project.create();
  const d = new Devreload(['--watch', 'src', '--', 'node', serverFixture], {
    cwd: p.dir,
    program: [process.execPath, forwarder, devreloadBin],
    env: { APP_RECORD: p.record, FORWARD_DELAY_MS: '150', ...env },
  });
  await d.waitFor(/\[devreload\] watching/);
  await d.waitFor(ready);
  const app = p.entries('start')[0]?.pid ?? 0;
  return { d, p, app };
}

describe('Ctrl-C under a package manager that forwards it late', () => {
  it('one press: the late copy is no second press, and the app’s graceful shutdown runs', async () => {
    // The app takes 1 s to stop: the copy arrives while it does.
    const { d, p, app } = await underLateNpm({ APP_STOP_MS: '1000' });
    d.interrupt();
    await d.waitFor(/forwarded SIGINT/);
    expect(await d.waitForExit()).toEqual({ code: 130, signal: null });
    expect(d.stderr).not.toMatch(/second interrupt/);
    expect(p.entries('stopped').map((e) => e.pid), d.output).toEqual([app]);
  });

  it('a second press still forces the stop at once', async () => {
    const { d, p, app } = await underLateNpm({ APP_STOP_MS: '60000' });
    d.interrupt();
    await d.waitFor(/forwarded SIGINT/);
    d.interrupt();
    await d.waitFor(/second interrupt/);
    await waitUntilGone([app], () => d.output);
    expect(isAlive(app)).toBe(false);
    expect(p.entries('stopped')).toEqual([]);
    await d.waitForExit();
  });
});
