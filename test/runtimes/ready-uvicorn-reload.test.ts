import { describe, expect, it } from 'vitest';
import { Devreload, disposeAfterEach, freePort, jsonEvents, waitUntil } from '../e2e/harness.js';
import { defaultBytecode, pythonWith } from './interpreter.js';
import { pythonProject } from './python-project.js';

disposeAfterEach();

// uvicorn --reload binds the socket in its reloader process and listens on it in the worker it
// starts: a socket bound long before anything listens on it. devreload's readiness (Linux) must
// still report the listen, with its address.
describe.skipIf(process.platform !== 'linux')('readiness of uvicorn --reload (bound in one process, listened on in another)', () => {
  it('says ready, with the address, once the worker listens', { timeout: 60_000 }, async () => {
    const python = pythonWith(['starlette', 'uvicorn'], ['python3-starlette', 'python3-uvicorn']);
    const p = await pythonProject('starlette_app.py');
    const port = await freePort();
    const d = new Devreload(['--json', '--watch', 'src', '--', python, '-m', 'uvicorn', '--reload', '--app-dir', 'src', '--host', '127.0.0.1', '--port', String(port), 'app:app'], {
      cwd: p.dir,
      env: { ...defaultBytecode, LIFESPAN_LOG: p.sidecar('lifespan.log') },
    });
    await waitUntil(() => jsonEvents(d, 'ready').length === 1, { timeout: 45_000, describe: () => d.output });
    const [start] = jsonEvents(d, 'start');
    expect(jsonEvents(d, 'ready')).toEqual([expect.objectContaining({ pid: start?.pid, address: `127.0.0.1:${port}` })]);
    expect(d.stderr).toMatch(new RegExp(`ready in \\d+ ms \\(listening on 127\\.0\\.0\\.1:${port}\\)`));
    d.interrupt();
    await d.waitForExit(30_000);
  });
});
