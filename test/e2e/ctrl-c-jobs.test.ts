import { readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { readProcStat } from '../../src/process/proc-stat.js';
import { disposeAfterEach, Devreload, hasCommand, isAlive, Project, serverFixture, waitUntil, waitUntilGone } from './harness.js';
import { closeTerminalsAfterEach, Terminal } from './terminal.js';

// Ctrl-C through a real terminal, with an app whose shell runs `&` jobs: POSIX makes a
// non-interactive shell's background jobs ignore SIGINT, so only the SIGTERM that follows the
// shell's exit (or SIGKILL at the kill timeout) ends them. The prompt must come back long
// before the kill timeout, and nothing may be left.

disposeAfterEach();
closeTerminalsAfterEach();

const killTimeout = 10_000;

/** Every process of the session `sid` (the app runs in a session of its own, led by its first process). */
function session(sid: number): number[] {
  return readdirSync('/proc')
    .filter((name) => /^\d+$/.test(name))
    .map(Number)
    .filter((pid) => readProcStat(pid)?.session === sid);
}

describe.skipIf(process.platform !== 'linux' || !hasCommand('tmux'))('Ctrl-C and an app’s shell background jobs (needs tmux)', () => {
  it('the prompt returns well before the kill timeout, and the jobs are gone', async () => {
    const project = await Project.create();
    const terminal = new Terminal(project.dir);
    const app = `sleep 1000 & sleep 1001 & echo "jobs started"; wait`;
    terminal.line(Terminal.devreload(['--verbose', '--watch', 'src', '--kill-timeout', String(killTimeout), '--', 'sh', '-c', app]));
    await terminal.waitFor(/^jobs started/m);
    await terminal.waitFor(/started sh -c .* \(pid \d+\)/);
    const leader = Number(/started sh -c .* \(pid (\d+)\)/.exec(terminal.screen)?.[1]);
    await waitUntil(() => session(leader).length === 3, { describe: () => `the shell and its two jobs in session ${leader}: ${session(leader).join(', ')}\n${terminal.screen}` });
    const processes = session(leader);
    const devreload = readProcStat(leader)?.ppid ?? 0;

    const pressed = Date.now();
    terminal.press('C-c');
    await waitUntilGone([devreload, ...processes], () => terminal.screen, killTimeout + 5000);
    const ms = Date.now() - pressed;
    // A generous bound, not a timing: without the SIGTERM the jobs held it for the whole kill timeout.
    expect(ms, terminal.screen).toBeLessThan(killTimeout / 2);
    expect(processes.filter(isAlive)).toEqual([]);
    expect(terminal.screen).toMatch(new RegExp(`app \\(pid ${leader}\\) exited after SIGINT — sending SIGTERM to what it left running`));
    expect(terminal.screen).not.toMatch(/did not stop within|SIGKILL/);
    // The shell's prompt is back, alone on the last line.
    await terminal.waitFor(/^(?:bash-[\d.]+[#$]|\$) ?\n*$/m);
  });
});

describe.skipIf(process.platform !== 'linux')('Ctrl-C during a build whose step runs & jobs', () => {
  it('the cancelled step’s jobs get SIGTERM once its shell exited: devreload exits well before the kill timeout', async () => {
    const project = await Project.create();
    const step = `sleep 1000 & sleep 1001 & echo "build jobs started"; wait`;
    const d = new Devreload(['--verbose', '--build', step, '--watch', 'src', '--kill-timeout', String(killTimeout), '--', 'node', serverFixture], { cwd: project.dir });
    await d.waitFor(/^build jobs started/m);
    const shell = readdirSync('/proc')
      .filter((name) => /^\d+$/.test(name))
      .map(Number)
      .find((pid) => readProcStat(pid)?.ppid === d.pid && readCommand(pid).includes('build jobs started'));
    if (shell === undefined) throw new Error(`no build step under devreload\n${d.output}`);
    await waitUntil(() => session(shell).length === 3, { describe: () => `the step's shell and its two jobs: ${session(shell).join(', ')}\n${d.output}` });
    const processes = session(shell);
    const pressed = Date.now();
    d.interrupt();
    expect(await d.waitForExit(killTimeout + 5000)).toEqual({ code: 130, signal: null });
    expect(Date.now() - pressed, d.output).toBeLessThan(killTimeout / 2);
    await waitUntilGone(processes, () => d.output);
    expect(d.stderr).toMatch(new RegExp(`build step \\(pid ${shell}\\) exited after SIGINT — sending SIGTERM to what it left running`));
  });
});

describe.skipIf(process.platform !== 'linux')('a restart with --signal SIGINT and an app whose shell runs & jobs', () => {
  it('the next instance starts well before the kill timeout, and the old jobs are gone', async () => {
    const project = await Project.create();
    const app = `sleep 1000 & sleep 1001 & echo "jobs started"; wait`;
    const d = new Devreload(['--watch', 'src', '--signal', 'SIGINT', '--kill-timeout', String(killTimeout), '--', 'sh', '-c', app], { cwd: project.dir });
    await d.waitFor(/^jobs started/m);
    await d.waitFor(/\[devreload\] watching/);
    const shell = readdirSync('/proc')
      .filter((name) => /^\d+$/.test(name))
      .map(Number)
      .find((pid) => readProcStat(pid)?.ppid === d.pid && readCommand(pid).includes('jobs started'));
    if (shell === undefined) throw new Error(`no app under devreload\n${d.output}`);
    await waitUntil(() => session(shell).length === 3, { describe: () => `the app's shell and its two jobs: ${session(shell).join(', ')}\n${d.output}` });
    const old = session(shell);
    const saved = Date.now();
    await project.save('src/app.js');
    await d.waitFor(/^jobs started/m, 2, killTimeout + 5000);
    expect(Date.now() - saved, d.output).toBeLessThan(killTimeout / 2);
    expect(old.filter(isAlive)).toEqual([]);
  });
});

function readCommand(pid: number): string {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'latin1').replace(/\0/g, ' ');
  } catch {
    return '';
  }
}
