import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { disposeAfterEach, Devreload, freePort, isAlive, Project, repoRoot, waitUntilGone } from '../e2e/harness.js';
import { answer, leaderOf, sessionOf } from './probes.js';

const fixtures = path.join(repoRoot, 'fixtures/runtimes');
let project: Project | undefined;
let devreload: Devreload | undefined;

disposeAfterEach();

describe('other runtimes', () => {
  it('a Python stdlib server restarts on change, stops gracefully, and rebinds its port', async () => {
    project = await Project.create();
    const p = project;
    const port = await freePort();
    devreload = new Devreload(['--watch', 'src', '--', 'python3', path.join(fixtures, 'server.py')], { cwd: p.dir, env: { PORT: String(port) } });
    const d = devreload;
    await d.waitFor(/\[devreload\] watching/);
    await d.waitFor(/\] ready changed=/);
    const first = await answer(port, () => d.output);
    expect(first).toMatch(/hello from python/);
    await p.write('src/app.py');
    await d.waitFor(/\] ready changed=\["src\/app\.py"\]/);
    expect(d.stdout).toMatch(/got signal 15/);
    expect(d.stdout).toMatch(/shutdown complete/);
    const second = await answer(port, () => d.output);
    expect(second).toMatch(/hello from python/);
    expect(second).not.toBe(first);
    expect(d.output).not.toMatch(/Address already in use/);
  });

  it('gunicorn with 2 workers: every old worker is gone after each restart', async () => {
    project = await Project.create();
    const p = project;
    const port = await freePort();
    const command = ['gunicorn', '--workers', '2', '--bind', `127.0.0.1:${port}`, '--chdir', fixtures, 'wsgi:app'];
    devreload = new Devreload(['--watch', 'src', '--', ...command], { cwd: p.dir });
    const d = devreload;
    await d.waitFor(/\[devreload\] watching/);
    await d.waitFor(/Booting worker/, 2);
    for (let round = 1; round <= 3; round++) {
      const leader = await leaderOf(d);
      const before = (await sessionOf(leader)).map((entry) => entry.pid);
      expect(before.length).toBeGreaterThanOrEqual(3);
      await p.write('src/app.py');
      await d.waitFor(/Booting worker/, 2 * (round + 1));
      await waitUntilGone(before, () => d.output, 1000);
      expect(before.filter(isAlive)).toEqual([]);
      expect(await answer(port, () => d.output)).toMatch(/hello from gunicorn worker/);
    }
    expect(d.output).not.toMatch(/Address already in use|Connection in use/);
  });
});
