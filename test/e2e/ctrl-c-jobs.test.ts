import { readdirSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { readProcStat } from '../../src/process/proc-stat.js';
import { disposeAfterEach, hasCommand, isAlive, Project, waitUntil, waitUntilGone } from './harness.js';
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
