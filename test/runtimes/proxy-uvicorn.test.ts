import { describe, expect, it } from 'vitest';
import { Devreload, disposeAfterEach, isAlive, jsonEvents, waitUntil } from '../e2e/harness.js';
import { hammer } from '../proxy/hammer.js';
import { defaultBytecode, pythonWith } from './interpreter.js';
import { pythonProject, versionModule } from './python-project.js';
import { twoPorts } from '../proxy/ports.js';

disposeAfterEach();

describe('devreload --proxy in front of uvicorn (Starlette)', () => {
  it('10 restarts under a client hammering the proxy: 0 failed requests', { timeout: 180_000 }, async () => {
    const python = pythonWith(['starlette', 'uvicorn'], ['python3-starlette', 'python3-uvicorn']);
    const p = await pythonProject('starlette_app.py');
    const [proxyPort, appPort] = await twoPorts();
    const d = new Devreload(['--json', '--watch', 'src', '--proxy', `${proxyPort}:${appPort}`, '--', python, '-m', 'uvicorn', '--app-dir', 'src', '--host', '127.0.0.1', '--port', String(appPort), 'app:app'], {
      cwd: p.dir,
      env: { ...defaultBytecode, LIFESPAN_LOG: p.sidecar('lifespan.log') },
    });
    await waitUntil(() => jsonEvents(d, 'start').length === 1, { timeout: 30_000, describe: () => d.output });
    const load = hammer(proxyPort, (body) => Number(/starlette (\d+)/.exec(body)?.[1]));
    const served = (pid: number | undefined) => waitUntil(() => pid !== undefined && load.pids.has(pid), { timeout: 30_000, describe: () => `an answer from ${pid}\n${d.output}` });
    await served(jsonEvents(d, 'start')[0]?.pid);
    for (let round = 1; round <= 10; round++) {
      await p.write('src/version.py', versionModule(round));
      await waitUntil(() => jsonEvents(d, 'restart').length >= round, { timeout: 30_000, describe: () => `restart ${round}\n${d.output}` });
      // Each restart under load: the next edit only once the new instance has answered.
      await served(jsonEvents(d, 'restart').at(-1)?.pid);
    }
    const result = await load.stop();
    expect({ failed: result.failed.length, first: result.failed.slice(0, 5) }).toEqual({ failed: 0, first: [] });
    expect(result.pids.size).toBe(11);
    expect(jsonEvents(d, 'proxy').filter((e) => e.phase === 'released').length).toBeGreaterThan(0);
    const pids = [...result.pids];
    d.interrupt();
    await d.waitForExit(30_000);
    expect(pids.filter(isAlive)).toEqual([]);
  });
});
