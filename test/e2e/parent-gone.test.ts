import { readdirSync, readFileSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import net from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { readProcStat } from '../../src/process/proc-stat.js';
import { devreloadBin, disposeAfterEach, Devreload, forceKill, freePort, hasCommand, isAlive, jsonEvents, parked, Project, serverFixture, waitUntil, waitUntilGone } from './harness.js';
import { closeTerminalsAfterEach, parentOf, Terminal } from './terminal.js';

// Whatever started devreload goes away (issue 25): a task runner or `kill <pid>` that signals npm
// alone, a SIGKILLed npm, a killed `sh -c`. devreload, the app, the watchdog and a --prestart
// spare must all be gone, and the port free. A run started as a job of its own (nohup … &,
// setsid) stays. Linux: the processes are found through /proc.

disposeAfterEach();
closeTerminalsAfterEach();

// The harness kills a run's process group only while its leader (npm, the shell) runs: what a
// failing test leaves behind once that leader was killed is killed here.
const started: number[] = [];
afterEach(() => {
  for (const pid of started.splice(0)) if (pid > 1) forceKill(pid);
});

const describeOnLinux = describe.skipIf(process.platform !== 'linux');

/** The processes whose parent is `pid`. */
function childrenOf(pid: number): number[] {
  return readdirSync('/proc')
    .filter((name) => /^\d+$/.test(name))
    .map(Number)
    .filter((child) => readProcStat(child)?.ppid === pid);
}

function commandOf(pid: number): string {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'latin1').replace(/\0/g, ' ');
  } catch {
    return '';
  }
}

/** devreload (the app's parent), its watchdog and spare, the app and its workers. */
function everything(project: Project) {
  const first = project.entries('start')[0]?.pid;
  const devreload = first === undefined ? undefined : parentOf(first);
  if (devreload === undefined) throw new Error(`no devreload above the app (${String(first)})`);
  const watchdog = childrenOf(devreload).filter((pid) => commandOf(pid).includes('watchdog'));
  // A warm --prestart's first instance runs the park script too: the spare is the one that is no app.
  const app = project.allPids();
  return { devreload, watchdog, spare: parked(devreload).filter((pid) => !app.includes(pid)), app };
}

async function portIsFree(port: number): Promise<boolean> {
  return await new Promise((resolve) => {
    const server = net.createServer();
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });
}

async function project(script: (devreload: string) => string) {
  const p = await Project.create();
  const devreload = `node ${JSON.stringify(devreloadBin)} --watch src --prestart -- node ${JSON.stringify(serverFixture)}`;
  await writeFile(p.path('package.json'), JSON.stringify({ name: 'app', private: true, scripts: { dev: script(devreload) } }));
  return p;
}

/** Started in a session of its own, as a terminal, an editor or a process manager starts a job; everything up and a spare parked. */
async function start(p: Project, program: readonly string[]) {
  const port = await freePort();
  const d = new Devreload([], { cwd: p.dir, env: { APP_RECORD: p.record, APP_WORKERS: '1', PORT: String(port) }, program });
  await d.waitFor(/listening/);
  await waitUntil(() => everything(p).spare.length === 1 && everything(p).watchdog.length === 1, { describe: () => `a spare and a watchdog\n${d.output}` });
  const all = everything(p);
  const pids = [all.devreload, ...all.watchdog, ...all.spare, ...all.app];
  const shell = parentOf(all.devreload);
  started.push(...pids, ...(shell === undefined ? [] : [shell]));
  return { d, port, all, pids };
}

async function expectAllGone(run: Awaited<ReturnType<typeof start>>): Promise<void> {
  // A second to notice, then the app's ordinary stop: a few seconds at most.
  await waitUntilGone(run.pids, () => run.d.output, 8000);
  expect(await portIsFree(run.port)).toBe(true);
}

describeOnLinux('the parent goes away', () => {
  it('SIGTERM to npm alone (`npm run dev`): devreload, the app, its worker, the watchdog and the spare are gone; the port is free', async () => {
    const p = await project((devreload) => devreload);
    const run = await start(p, ['npm', 'run', 'dev']);
    run.d.signal('SIGTERM');
    await expectAllGone(run);
    expect(p.entries('stopped').map((e) => e.signal)).toEqual(['SIGTERM']);
  });

  it('SIGKILL to npm alone: the script shell survives it, devreload notices npm (the top of its job) is gone and exits 129', async () => {
    const p = await project((devreload) => `${devreload}; echo "devreload exited with $?"`);
    const run = await start(p, ['npm', 'run', 'dev']);
    const shell = parentOf(run.all.devreload) ?? 0;
    expect(commandOf(shell)).toMatch(/^sh -c /);
    run.d.signal('SIGKILL');
    await expectAllGone(run);
    expect(p.entries('stopped').map((e) => e.signal)).toEqual(['SIGTERM']);
    // The shell, still there, reports devreload's exit code on the output the test reads.
    await run.d.waitFor(/devreload exited with 129/);
  });

  it("`sh -c 'devreload …; :'` whose shell is SIGKILLed: all gone, the log and the quit event say why", async () => {
    const p = await Project.create();
    const devreload = `node ${JSON.stringify(devreloadBin)} --watch src --prestart --json -- node ${JSON.stringify(serverFixture)}`;
    const run = await start(p, ['sh', '-c', `${devreload}; :`]);
    expect(parentOf(run.all.devreload)).toBe(run.d.pid);
    run.d.signal('SIGKILL');
    await expectAllGone(run);
    expect(run.d.stderr).toMatch(/\[devreload\] parent exited — stopping the app/);
    await waitUntil(() => jsonEvents(run.d, 'quit').length === 1, { describe: () => run.d.output });
    expect(jsonEvents(run.d, 'quit')[0]).toMatchObject({ code: 129, reason: 'parentExit', signal: null });
  });
});

function stop(pid: number): void {
  try {
    process.kill(pid, 'SIGTERM');
  } catch {
    // Already gone (a failed test).
  }
}

describeOnLinux('a run started as a job of its own stays when its parent exits', () => {
  /** Waits for `pid` to be reparented, then lets a few of devreload's looks at its parent pass. */
  async function outliveParent(devreload: number, parent: number, describe: () => string): Promise<void> {
    await waitUntil(() => parentOf(devreload) !== parent, { describe: () => `pid ${devreload} to lose its parent ${parent}\n${describe()}` });
    const goneAt = Date.now();
    // The scenario's own duration: more than twice the interval at which devreload looks.
    await waitUntil(() => Date.now() - goneAt > 2500, { timeout: 10_000, describe: () => 'time to pass' });
  }

  it.skipIf(!hasCommand('tmux'))('`nohup devreload … &` typed in a shell that then exits keeps watching and restarting', async () => {
    const p = await Project.create();
    const log = p.sidecar('nohup.log');
    const terminal = new Terminal(p.dir, { APP_RECORD: p.record });
    // An inner interactive shell: the one that starts devreload, and then exits.
    terminal.line('bash --norc --noprofile -i');
    terminal.line('echo "inner $$"');
    await terminal.waitFor(/^inner \d+/m);
    const inner = Number(/^inner (\d+)/m.exec(terminal.screen)?.[1]);
    terminal.line(`nohup ${Terminal.devreload(['--verbose', '--watch', 'src', '--', 'node', serverFixture])} > ${log} 2>&1 & echo "job $!"`);
    await terminal.waitFor(/^job \d+/m);
    const devreload = Number(/^job (\d+)/m.exec(terminal.screen)?.[1]);
    const output = () => `${terminal.screen}\n--- devreload ---\n${readFileSync(log, 'utf8')}`;
    try {
      await waitUntil(() => readFileSync(log, 'utf8').includes('[devreload] watching'), { describe: output });
      expect(parentOf(devreload)).toBe(inner);
      terminal.line('exit');
      await outliveParent(devreload, inner, output);
      expect(isAlive(devreload), output()).toBe(true);
      await p.save('src/app.js');
      await waitUntil(() => p.entries('start').length === 2, { describe: output });
      expect(readFileSync(log, 'utf8')).toMatch(/not following the parent: devreload leads its own process group/);
      expect(readFileSync(log, 'utf8')).not.toMatch(/parent exited/);
    } finally {
      // Nothing stops it on its own now: it was made to outlive its terminal.
      stop(devreload);
      await waitUntilGone([devreload, ...p.allPids()], output);
    }
  });

  it('`setsid devreload … &` in a script whose shell is SIGKILLed keeps running', async () => {
    const p = await Project.create();
    const command = `node ${JSON.stringify(devreloadBin)} --verbose --watch src -- node ${JSON.stringify(serverFixture)}`;
    const d = new Devreload([], { cwd: p.dir, env: { APP_RECORD: p.record }, program: ['sh', '-c', `setsid ${command} & echo "devreload $!"; wait`] });
    await d.waitFor(/\[devreload\] watching/);
    const devreload = Number(/devreload (\d+)/.exec(d.stdout)?.[1]);
    try {
      expect(parentOf(devreload)).toBe(d.pid);
      d.signal('SIGKILL');
      await outliveParent(devreload, d.pid, () => d.output);
      expect(isAlive(devreload), d.output).toBe(true);
      await p.save('src/app.js');
      await d.waitFor(/\] ready\b/, 2);
      expect(d.stderr).toMatch(/not following the parent: devreload leads its own process group/);
    } finally {
      stop(devreload);
      await waitUntilGone([devreload, ...p.allPids()], () => d.output);
    }
  });
});
