import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { readProcessTable } from '../../src/process/table.js';
import { disposeAfterEach, Devreload, freePort, isAlive, Project, repoRoot, waitUntilGone } from '../e2e/harness.js';

const fixtures = path.join(repoRoot, 'fixtures/runtimes');
let project: Project | undefined;
let devreload: Devreload | undefined;

disposeAfterEach();

async function get(port: number): Promise<string | undefined> {
  try {
    return await (await fetch(`http://127.0.0.1:${port}/`)).text();
  } catch {
    return undefined;
  }
}

/** The first answer the server on `port` gives (it may still be starting). */
async function answer(port: number, describe: () => string): Promise<string> {
  const deadline = Date.now() + 15_000;
  for (;;) {
    const text = await get(port);
    if (text !== undefined) return text;
    if (Date.now() > deadline) throw new Error(`nothing answered on port ${port}\n${describe()}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** Every live process in the session led by `leader` (the app instance devreload started). */
async function instanceProcesses(leader: number): Promise<number[]> {
  return (await readProcessTable()).filter((p) => p.sid === leader && !p.zombie).map((p) => p.pid);
}

async function leaderOf(d: Devreload): Promise<number> {
  const children = (await readProcessTable()).filter((p) => p.ppid === d.pid && p.pgid === p.pid && !p.zombie);
  const leaders = [];
  for (const child of children) if ((await instanceProcesses(child.pid)).length > 0 && !(await isWatchdog(child.pid))) leaders.push(child.pid);
  expect(leaders).toHaveLength(1);
  return leaders[0]!;
}

async function isWatchdog(pid: number): Promise<boolean> {
  const { readFile } = await import('node:fs/promises');
  return (await readFile(`/proc/${pid}/cmdline`, 'utf8').catch(() => '')).includes('watchdog');
}

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
      const before = await instanceProcesses(leader);
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
