import { existsSync, readFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { Devreload, disposeAfterEach, freePort, isAlive, jsonEvents, waitUntil } from '../e2e/harness.js';
import { defaultBytecode, pythonWith } from './interpreter.js';
import { answer, currentLeader, sessionOf, sessionsOf } from './probes.js';
import { pythonProject, versionModule } from './python-project.js';

disposeAfterEach();

describe.each([
  { mode: 'its own port', socket: false },
  { mode: '--socket, uvicorn --fd 3', socket: true },
])('uvicorn serving a Starlette app ($mode)', ({ socket }) => {
  it('runs the shutdown handler on every restart and on exit; the supervisor survives; nothing of an old instance is left', { timeout: 180_000 }, async () => {
    const python = pythonWith(['starlette', 'uvicorn'], ['python3-starlette', 'python3-uvicorn']);
    const p = await pythonProject('starlette_app.py');
    const port = await freePort();
    const lifespanLog = p.sidecar('lifespan.log');
    const uvicorn = [python, '-m', 'uvicorn', '--app-dir', 'src', '--lifespan', 'on', ...(socket ? ['--fd', '3'] : ['--host', '127.0.0.1', '--port', String(port)]), 'app:app'];
    const d = new Devreload(['--json', '--watch', 'src', ...(socket ? ['--socket', String(port)] : []), '--', ...uvicorn], {
      cwd: p.dir,
      env: { ...defaultBytecode, LIFESPAN_LOG: lifespanLog },
    });
    const lifespan = async () => (await readFile(lifespanLog, 'utf8').catch(() => '')).split('\n').filter((line) => line !== '');
    const describeRun = () => `--- lifespan log ---\n${existsSync(lifespanLog) ? readFileSync(lifespanLog, 'utf8') : '(none)'}\n${d.output}`;

    await waitUntil(() => jsonEvents(d, 'start').length === 1, { timeout: 30_000, describe: () => `the start event\n${d.output}` });
    const leaders = [currentLeader(d)];
    expect(await answer(port, describeRun), 'the first instance answers (not one started by a restart nobody asked for)').toBe(`hello from starlette ${leaders[0]} version 0\n`);
    // Python's default: the imports cached their bytecode in the watched folder.
    expect(existsSync(p.path('src/__pycache__'))).toBe(true);
    expect(await lifespan()).toEqual([`startup ${leaders[0]}`]);

    for (let round = 1; round <= 3; round++) {
      const old = leaders.at(-1)!;
      expect(jsonEvents(d, 'restart'), 'restarts before this edit').toHaveLength(round - 1);
      const oldProcesses = (await sessionOf(old)).map((entry) => entry.pid);
      expect(oldProcesses).toContain(old);
      await p.write('src/version.py', versionModule(round));
      await waitUntil(() => jsonEvents(d, 'restart').length >= round, { timeout: 30_000, describe: () => `restart ${round}\n${d.output}` });
      const leader = currentLeader(d);
      leaders.push(leader);
      // The new instance starts only once the old one is gone: its shutdown handler already ran.
      expect(oldProcesses.filter(isAlive)).toEqual([]);
      expect(await sessionOf(old)).toEqual([]);
      expect(await lifespan()).toContain(`shutdown ${old}`);
      expect(d.stderr).toContain(`[starlette ${old}] shutdown handler ran`);
      expect(await answer(port, describeRun)).toBe(`hello from starlette ${leader} version ${round}\n`);
      expect(d.alive).toBe(true);
      // One restart per edit, bytecode writes included.
      expect(jsonEvents(d, 'restart')).toHaveLength(round);
    }

    const running = (await sessionOf(leaders.at(-1)!)).map((entry) => entry.pid);
    d.interrupt();
    await d.waitForExit(30_000);
    // devreload exits only once every process it started is gone.
    expect(running.filter(isAlive)).toEqual([]);
    expect(await sessionsOf(leaders)).toEqual([]);
    expect(await lifespan()).toEqual(leaders.flatMap((pid) => [`startup ${pid}`, `shutdown ${pid}`]));
    expect(jsonEvents(d, 'stop').map((e) => e.reason)).toEqual(['restart', 'restart', 'restart', 'shutdown']);
    expect(jsonEvents(d, 'kill')).toEqual([]);
    // It stopped because of the Ctrl-C, not because anything the app did reached it.
    expect(jsonEvents(d).at(-1)).toMatchObject({ event: 'quit', reason: 'signal', signal: 'SIGINT' });
    expect(d.output).not.toMatch(/Address already in use|Traceback/);
  });
});
