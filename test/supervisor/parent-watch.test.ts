import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { ancestorsToWatch, type Lookup } from '../../src/supervisor/parent-watch.js';
import { forceKill, isAlive, waitUntil } from '../e2e/harness.js';

const table = (rows: Record<number, { ppid: number; pgid: number }>): Lookup => (pid) => rows[pid];

describe('ancestorsToWatch (which processes’ exit ends the run)', () => {
  it('npm → sh → devreload: the parent shell and npm, the top of the job (its group’s leader)', () => {
    const lookup = table({ 20: { ppid: 10, pgid: 10 }, 10: { ppid: 5, pgid: 10 }, 5: { ppid: 1, pgid: 5 } });
    expect(ancestorsToWatch({ pid: 30, ppid: 20, pgid: 10 }, lookup)).toEqual([20, 10]);
  });

  it('a run that leads its own process group (a terminal’s job, nohup … &, setsid) follows nothing', () => {
    expect(ancestorsToWatch({ pid: 30, ppid: 20, pgid: 30 }, table({ 20: { ppid: 1, pgid: 20 } }))).toEqual([]);
  });

  it('a run whose parent is init follows nothing (nothing that started it can go away)', () => {
    expect(ancestorsToWatch({ pid: 30, ppid: 1, pgid: 10 }, table({}))).toEqual([]);
  });

  it('`foo | devreload`: the pipeline’s first command leads the group but is no ancestor; only the parent counts', () => {
    const lookup = table({ 5: { ppid: 1, pgid: 5 }, 29: { ppid: 5, pgid: 29 } });
    expect(ancestorsToWatch({ pid: 30, ppid: 5, pgid: 29 }, lookup)).toEqual([5]);
  });

  it('stops at the first ancestor outside the group, at one the table does not have, and at a cycle', () => {
    expect(ancestorsToWatch({ pid: 30, ppid: 20, pgid: 10 }, table({ 20: { ppid: 15, pgid: 10 }, 15: { ppid: 10, pgid: 15 } }))).toEqual([20]);
    expect(ancestorsToWatch({ pid: 30, ppid: 20, pgid: 10 }, table({ 20: { ppid: 15, pgid: 10 } }))).toEqual([20]);
    expect(ancestorsToWatch({ pid: 30, ppid: 20, pgid: 10 }, table({ 20: { ppid: 15, pgid: 10 }, 15: { ppid: 20, pgid: 10 } }))).toEqual([20, 15]);
  });
});

// Against real process trees: a Node process runs watchParent (from dist/, looking every 50 ms)
// and prints what it follows and what it found gone.
const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const module = pathToFileURL(path.join(repoRoot, 'dist/supervisor/parent-watch.js')).href;
const watcher = `import(${JSON.stringify(module)}).then(({ watchParent }) => {
  watchParent(50, {
    following: (pids) => console.log('following ' + JSON.stringify(pids)),
    gone: (pid) => { console.log('gone ' + pid); process.exit(0); },
    error: (error) => console.log('error ' + error),
  });
  setInterval(() => {}, 1 << 30);
});`;
const node = `${JSON.stringify(process.execPath)} -e ${shellQuote(watcher)}`;

function shellQuote(text: string): string {
  return `'${text.replace(/'/g, `'\\''`)}'`;
}

const started: ChildProcess[] = [];
const pids: number[] = [];
afterEach(() => {
  for (const pid of pids.splice(0)) forceKill(pid);
  for (const child of started.splice(0)) if (child.pid !== undefined) forceKill(-child.pid);
});

/** `sh -c script` as the leader of a session of its own (as a terminal or a runner starts a job); the output is collected. */
function job(script: string, env: NodeJS.ProcessEnv = {}, shell = 'sh') {
  const child = spawn(shell, ['-c', script], { detached: true, stdio: ['ignore', 'pipe', 'inherit'], env: { ...process.env, ...env } });
  started.push(child);
  let out = '';
  child.stdout?.setEncoding('utf8').on('data', (chunk: string) => (out += chunk));
  const line = async (pattern: RegExp): Promise<RegExpExecArray> => {
    await waitUntil(() => pattern.test(out), { describe: () => `${pattern} in:\n${out}` });
    return pattern.exec(out)!;
  };
  return { child, line, output: () => out };
}

describe('watchParent against real processes', () => {
  it.each([
    ['/proc', {}],
    ['ps (the macOS path)', { DEVRELOAD_PROCESS_TABLE: 'ps' }],
  ])('sh (the top of the job) → sh → node: both shells are followed; SIGKILL to the top one alone is noticed (%s)', async (_, env) => {
    // The inner shell survives its parent's SIGKILL, as `sh -c` does under a SIGKILLed npm.
    const top = job(`echo top $$; sh -c 'echo inner $$; ${node.replace(/'/g, `'\\''`)}; :'; :`, env);
    const topPid = Number((await top.line(/top (\d+)/))[1]);
    const innerPid = Number((await top.line(/inner (\d+)/))[1]);
    pids.push(innerPid);
    await top.line(/following/);
    expect(top.output()).toContain(`following ${JSON.stringify([innerPid, topPid])}`);
    // The watcher's own stdout goes through the pipe the test reads: it outlives the top shell.
    forceKill(topPid);
    await top.line(/gone \d+/);
    // The top shell, not the inner one (which ends only after the watcher exited).
    expect(top.output()).toContain(`gone ${topPid}`);
  });

  it('its parent shell SIGKILLed: the change of parent is noticed', async () => {
    const run = job(`echo sh $$; ${node}; :`);
    const sh = Number((await run.line(/sh (\d+)/))[1]);
    await run.line(/following/);
    expect(run.output()).toContain(`following ${JSON.stringify([sh])}`);
    forceKill(sh);
    await run.line(/gone \d+/);
    expect(run.output()).toContain(`gone ${sh}`);
  });

  it('a job of its own (`set -m`: what an interactive shell does for `&` and nohup) follows nothing and outlives its parent', async () => {
    // bash: dash refuses `set -m` without a terminal.
    const run = job(`set -m; ${node} & echo child $!; wait`, {}, 'bash');
    const child = Number((await run.line(/child (\d+)/))[1]);
    pids.push(child);
    await run.line(/following/);
    expect(run.output()).toContain('following []');
    forceKill(run.child.pid!);
    await waitUntil(() => !isAlive(run.child.pid!), { describe: () => 'the parent shell to be gone' });
    expect(isAlive(child)).toBe(true);
    expect(run.output()).not.toMatch(/gone/);
  });
});
