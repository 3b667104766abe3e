import { describe, expect, it } from 'vitest';
import { disposeAfterEach, Devreload, isAlive, Project, serverFixture, waitUntilGone } from './harness.js';

// --exec "<command line>" (nodemon's -x): run through sh -c, with every no-orphans guarantee.

disposeAfterEach();

/** The pid of the instance's leader (the shell), from the verbose started/restarted line. */
const leaders = (d: Devreload) => [...d.stderr.matchAll(/(?:started|restarted in \d+ ms).*\(pid (\d+)\)\n/g)].map((m) => Number(m[1]));

describe('--exec', () => {
  it('runs a command line through sh, and leaves no shell or child behind after a restart and after Ctrl-C', async () => {
    const project = await Project.create();
    const line = `node ${serverFixture} --port 1 "two words" $((40 + 2))`;
    const d = new Devreload(['--watch', 'src', '--verbose', '--exec', line], { cwd: project.dir, env: { APP_RECORD: project.record, APP_WORKERS: '1' } });
    await d.waitFor(/\] ready\b/);
    // The shell read the line: quotes grouped, the arithmetic expanded.
    expect(project.entries('start')[0]?.argv).toEqual(['--port', '1', 'two words', '42']);
    expect(d.stderr).toContain(`[devreload] started ${line}`);
    await d.waitFor(/\[devreload\] watching/);

    await project.write('src/app.js');
    await d.waitFor(/\] ready\b/, 2);
    await d.waitFor(/restarted in/);
    const [firstShell, secondShell] = leaders(d);
    const first = project.allPids().slice(0, 2);
    expect(first).toHaveLength(2);
    // The first instance is gone entirely: its shell, its node and the node's worker.
    for (const pid of [firstShell!, ...first]) expect(isAlive(pid), `${pid}\n${d.output}`).toBe(false);

    const second = project.allPids().slice(2);
    expect(second).toHaveLength(2);
    d.interrupt();
    expect(await d.waitForExit()).toEqual({ code: 130, signal: null });
    await waitUntilGone([secondShell!, ...second], () => d.output, 2000);
  });
});
