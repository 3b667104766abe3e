import { existsSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { Devreload, disposeAfterEach, freePort, isAlive, jsonEvents, waitUntil } from '../e2e/harness.js';
import { defaultBytecode, pythonWith } from './interpreter.js';
import { answer, currentLeader, eventually, get, sessionOf, sessionsOf } from './probes.js';
import { pythonProject, versionModule } from './python-project.js';

disposeAfterEach();

/** Small, so a test reaches it in a few requests; with jitter 0 every worker gets exactly this. */
const maxRequests = 5;

/**
 * The workers of the gunicorn instance led by `master` when the process table shows exactly one
 * master and two workers (its children) in that instance's session, and nothing else; else undefined.
 */
async function workersOf(master: number): Promise<number[] | undefined> {
  const session = await sessionOf(master);
  const workers = session.filter((p) => p.ppid === master).map((p) => p.pid);
  const hasMaster = session.some((p) => p.pid === master);
  return hasMaster && workers.length === 2 && session.length === 3 ? workers.sort((a, b) => a - b) : undefined;
}

describe.each([
  { mode: 'its own port', socket: false },
  { mode: '--socket, gunicorn --bind fd://3', socket: true },
])('gunicorn with two aiohttp workers and --max-requests ($mode)', ({ socket }) => {
  it('one master and two workers after each restart; a worker past max-requests is recycled by gunicorn, not by devreload', { timeout: 180_000 }, async () => {
    const python = pythonWith(['gunicorn', 'aiohttp'], ['gunicorn', 'python3-aiohttp']);
    const p = await pythonProject('aiohttp_app.py');
    const port = await freePort();
    const bind = socket ? 'fd://3' : `127.0.0.1:${port}`;
    const gunicorn = [python, '-m', 'gunicorn', '-k', 'aiohttp.GunicornWebWorker', '-w', '2', '--max-requests', String(maxRequests), '--max-requests-jitter', '0', '--chdir', 'src', '--bind', bind, 'app:app'];
    const d = new Devreload(['--json', '--watch', 'src', ...(socket ? ['--socket', String(port)] : []), '--', ...gunicorn], {
      cwd: p.dir,
      env: defaultBytecode,
    });
    const masters: number[] = [];
    const seen = new Set<number>();
    /** Waits until the instance devreload started last is one master and two workers, and returns the workers. */
    const settled = async (master: number): Promise<number[]> => {
      let workers: number[] | undefined;
      await eventually(
        async () => (workers = await workersOf(master)) !== undefined,
        () => `one master (${master}) and two workers; its session: ${JSON.stringify(workers)}\n${d.output}`,
      );
      for (const pid of [master, ...workers!]) seen.add(pid);
      return workers!;
    };
    const servesVersion = async (version: number, workers: readonly number[]) => {
      const text = await answer(port, () => d.output);
      expect(text).toMatch(new RegExp(`^hello from aiohttp worker (${workers.join('|')}) version ${version}\n$`));
    };

    await waitUntil(() => jsonEvents(d, 'start').length === 1, { timeout: 30_000, describe: () => `the start event\n${d.output}` });
    masters.push(currentLeader(d));
    await servesVersion(0, await settled(masters[0]!));
    // Python's default: the workers' imports cached their bytecode in the watched folder.
    expect(existsSync(p.path('src/__pycache__'))).toBe(true);

    const restart = async (edit: number) => {
      const old = masters.at(-1)!;
      expect(jsonEvents(d, 'restart'), 'restarts before this edit').toHaveLength(edit - 1);
      const oldProcesses = (await sessionOf(old)).map((entry) => entry.pid);
      await p.write('src/version.py', versionModule(edit));
      await waitUntil(() => jsonEvents(d, 'restart').length >= edit, { timeout: 30_000, describe: () => `restart ${edit}\n${d.output}` });
      masters.push(currentLeader(d));
      // The new master starts only once every process of the old instance is gone.
      expect(oldProcesses.filter(isAlive)).toEqual([]);
      const workers = await settled(masters.at(-1)!);
      expect(await sessionsOf(masters.slice(0, -1))).toEqual([]);
      await servesVersion(edit, workers);
      expect(d.alive).toBe(true);
      // One restart per edit, bytecode writes included.
      expect(jsonEvents(d, 'restart')).toHaveLength(edit);
    };

    await restart(1);

    // Requests until a worker passes max-requests and gunicorn replaces it: same master, a new worker pid.
    const master = masters.at(-1)!;
    const before = await settled(master);
    // What devreload does to the app (`ready`, with --socket, only reports what it saw).
    const actions = () => jsonEvents(d).filter((e) => e.event !== 'ready');
    const actionsBefore = actions().length;
    const answeredBy = new Set<number>();
    let now: number[] | undefined;
    await eventually(
      async () => {
        // devreload must do nothing meanwhile: fail at once, naming what it did, rather than time out.
        const acted = actions().slice(actionsBefore);
        if (acted.length > 0) throw new Error(`devreload acted while gunicorn recycled a worker: ${JSON.stringify(acted)}\n${d.output}`);
        const text = await get(port);
        const pid = /worker (\d+) /.exec(text ?? '')?.[1];
        if (pid !== undefined) answeredBy.add(Number(pid));
        now = await workersOf(master);
        return now !== undefined && now.some((w) => !before.includes(w)) && [...answeredBy].some((w) => !before.includes(w));
      },
      () => `a recycled worker (workers were ${before.join(', ')}, now ${JSON.stringify(now)}, answers from ${[...answeredBy].join(', ')})\n${d.output}`,
      60_000,
    );
    for (const pid of now!) seen.add(pid);
    expect(d.stderr).toMatch(/Max requests, shutting down/);
    expect(before.some((w) => !isAlive(w))).toBe(true);
    expect(isAlive(master)).toBe(true);
    expect(currentLeader(d)).toBe(master);
    // devreload did nothing: no change, stop, kill, exit or restart event.
    expect(actions().slice(actionsBefore)).toEqual([]);

    // The recycled worker, forked by gunicorn after devreload started the instance, is stopped with it.
    await restart(2);

    const running = (await sessionOf(masters.at(-1)!)).map((entry) => entry.pid);
    d.interrupt();
    await d.waitForExit(30_000);
    // devreload exits only once every process it started is gone.
    expect(running.filter(isAlive)).toEqual([]);
    expect([...seen].filter(isAlive)).toEqual([]);
    expect(await sessionsOf(masters)).toEqual([]);
    expect(jsonEvents(d, 'stop').map((e) => e.reason)).toEqual(['restart', 'restart', 'shutdown']);
    expect(jsonEvents(d, 'kill')).toEqual([]);
    // It stopped because of the Ctrl-C, not because anything the app did reached it.
    expect(jsonEvents(d).at(-1)).toMatchObject({ event: 'quit', reason: 'signal', signal: 'SIGINT' });
    // (No check for tracebacks: aiohttp 3.8 prints one when a worker stops with a request in flight.)
    expect(d.output).not.toMatch(/Address already in use|Connection in use|Worker failed to boot/);
  });
});
