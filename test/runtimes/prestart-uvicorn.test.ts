import { chmodSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import { mkdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { Devreload, disposeAfterEach, freePort, isAlive, jsonEvents, waitUntil } from '../e2e/harness.js';
import { pythonWith } from './interpreter.js';
import { answer, currentLeader, sessionOf, sessionsOf } from './probes.js';
import { pythonProject, versionModule } from './python-project.js';
import { oneParked, parkedPython, waitPreloaded } from './python-spares.js';

disposeAfterEach();

describe('--prestart with uvicorn serving Starlette (a console script)', () => {
  it('the woken app had Starlette loaded before it ran, runs its lifespan handlers once per instance, and serves each save', { timeout: 180_000 }, async () => {
    const python = pythonWith(['starlette', 'uvicorn'], ['python3-starlette', 'python3-uvicorn']);
    const p = await pythonProject('starlette_warm.py');
    // `uvicorn` as pip installs it: a console script whose #! line names the interpreter.
    const bin = p.path('tools/bin');
    await mkdir(bin, { recursive: true });
    writeFileSync(path.join(bin, 'uvicorn'), `#!${python}\nimport re\nimport sys\nfrom uvicorn.main import main\nif __name__ == "__main__":\n    sys.argv[0] = re.sub(r"(-script\\.pyw|\\.exe)?$", "", sys.argv[0])\n    sys.exit(main())\n`);
    chmodSync(path.join(bin, 'uvicorn'), 0o755);
    const port = await freePort();
    const lifespanLog = p.sidecar('lifespan.log');
    const d = new Devreload(['--json', '--watch', 'src', '--prestart', '--', 'uvicorn', '--app-dir', 'src', '--lifespan', 'on', '--host', '127.0.0.1', '--port', String(port), 'app:app'], {
      cwd: p.dir,
      env: { LIFESPAN_LOG: lifespanLog, PATH: `${bin}${path.delimiter}${process.env.PATH ?? ''}` },
    });
    const lifespan = async () => (await readFile(lifespanLog, 'utf8').catch(() => '')).split('\n').filter((line) => line !== '');
    const describeRun = () => `--- lifespan log ---\n${existsSync(lifespanLog) ? readFileSync(lifespanLog, 'utf8') : '(none)'}\n${d.output}`;
    const leaders = (): number[] => jsonEvents(d).filter((e) => e.event === 'start' || e.event === 'restart').map((e) => e.pid as number);

    await waitUntil(() => jsonEvents(d, 'start').length === 1, { timeout: 30_000, describe: () => `the start event\n${d.output}` });
    const first = currentLeader(d);
    // A cold start: Starlette is loaded by the app module itself.
    expect(await answer(port, describeRun)).toBe(`hello from starlette ${first} version 0 warm False\n`);

    for (let round = 1; round <= 3; round++) {
      const old = currentLeader(d);
      const spare = await oneParked(d.pid, leaders, describeRun);
      // What the previous instance loaded (Starlette, uvicorn's protocols), the spare loads too.
      await waitPreloaded(spare, describeRun);
      const oldProcesses = (await sessionOf(old)).map((entry) => entry.pid);
      await p.write('src/version.py', versionModule(round));
      await waitUntil(() => jsonEvents(d, 'restart').length >= round, { timeout: 30_000, describe: () => `restart ${round}\n${describeRun()}` });
      expect(currentLeader(d), 'the woken spare is the new instance').toBe(spare);
      expect(oldProcesses.filter(isAlive)).toEqual([]);
      expect(await answer(port, describeRun)).toBe(`hello from starlette ${spare} version ${round} warm True\n`);
      expect(await lifespan()).toEqual(leaders().flatMap((pid) => (pid === spare ? [`startup ${pid}`] : [`startup ${pid}`, `shutdown ${pid}`])));
    }
    expect(d.count(/--prestart: woke a warm Python spare \(\d+ modules kept warm\)/)).toBe(1);
    expect(d.output).not.toMatch(/does not apply/);

    // Ctrl-C: the app stops gracefully, the parked spare is killed, nothing is left.
    const spare = await oneParked(d.pid, leaders, describeRun);
    d.interrupt();
    await d.waitForExit(30_000);
    expect(await sessionsOf([...leaders(), spare])).toEqual([]);
    expect(isAlive(spare)).toBe(false);
    expect(parkedPython(d.pid, [])).toEqual([]);
    expect(await lifespan()).toEqual(leaders().flatMap((pid) => [`startup ${pid}`, `shutdown ${pid}`]));
    expect(d.output).not.toMatch(/Traceback|Address already in use/);
  });
});
