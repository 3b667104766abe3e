import { writeFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { disposeAfterEach, Devreload, Project, serverFixture, waitUntilGone } from './harness.js';

// The app starts before the watcher exists (its code and scan are not on the app's path to its
// first line), and before the watchdog (spawned in the same turn, before any instance is handed
// to it). These tests hold what that order must not cost.
disposeAfterEach();

describe('starting the app before the watcher', () => {
  it.each([
    ['on the command line', ['--ignore', ' ']],
    ['in a config file', ['--config', 'devreload.config.json']],
  ])('bad watcher input is still an error before anything runs: an empty ignore glob %s', async (_, args) => {
    const project = await Project.create();
    await writeFile(project.path('devreload.config.json'), '{ "ignore": ["dist/**", ""] }\n');
    const d = new Devreload([...args, '--', 'node', serverFixture], { cwd: project.dir, env: { APP_RECORD: project.record } });
    const exit = await d.waitForExit();
    expect(exit.code).toBe(2);
    expect(d.stderr.trim()).toMatch(/^\[devreload\] error: .*ignore.*empty.*dist\/\*\*/);
    expect(project.entries('start')).toEqual([]);
  });

  it('a change made before the watcher’s scan is done still restarts the app, once', async () => {
    const project = await Project.create();
    // Enough files that the scan takes a while; the app writes nothing.
    for (let i = 0; i < 400; i += 1) await project.write(`src/d${i % 20}/f${i}.js`, `// ${i}\n`);
    const d = new Devreload(['--watch', 'src', '--', 'node', serverFixture], { cwd: project.dir, env: { APP_RECORD: project.record } });
    await d.waitFor(/ready/);
    // The app is up; the watcher may or may not be ready yet. Either way this edit must count.
    await writeFile(project.path('src/d3/f3.js'), '// edited\n');
    await d.waitFor(/\[devreload\] watching/);
    await d.waitFor(/restarted in \d+ ms/);
    await d.waitFor(/ready/, 2);
    expect(project.entries('start').at(-1)?.changed).toBe(JSON.stringify(['src/d3/f3.js']));
    // And only once: nothing else restarts it afterwards.
    await project.write('src/app.js');
    await d.waitFor(/ready/, 3);
    expect(project.entries('start')).toHaveLength(3);
  });

  it('devreload SIGKILLed as soon as the app printed its first line: the watchdog still stops the app', async () => {
    const project = await Project.create();
    // The app's first statement prints its pid; nothing else slows the kill down.
    const app = "process.stdout.write('pid ' + process.pid + '\\n'); setInterval(() => {}, 1000);";
    const d = new Devreload(['--watch', 'src', '--', 'node', '-e', app], { cwd: project.dir });
    await d.waitFor(/^pid \d+$/m);
    const pid = Number(/^pid (\d+)$/m.exec(d.stdout)?.[1]);
    d.signal('SIGKILL');
    await d.waitForExit();
    await waitUntilGone([pid], () => d.output, 10_000);
  });
});
