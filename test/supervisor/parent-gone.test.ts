import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { resolveOptions, type DevreloadOptions } from '../../src/options/resolve.js';
import { Supervisor } from '../../src/supervisor/reloader.js';
import type { InternalOptions } from '../../src/supervisor/types.js';
import { fakePorts, settle } from './fakes.js';

// The effect runner over fakes: the parent found gone, and the SIGTERM that follows a leader's
// exit (log lines, the `quit` event, what reaches the app).
const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

async function running(options: Partial<DevreloadOptions> = {}, internal: InternalOptions = { handleSignals: true, readStdin: true }) {
  const fakes = fakePorts();
  const resolved = resolveOptions({ command: 'node', args: ['server.js'], cwd: repoRoot, watch: ['src'], delay: 15, logLevel: 'verbose', ...options }, 'api');
  const supervisor = new Supervisor(resolved, { ports: fakes.ports, ...internal });
  const quits: unknown[] = [];
  supervisor.on('quit', (quit) => quits.push(quit));
  await supervisor.start();
  await settle();
  return { ...fakes, supervisor, quits };
}

describe('the parent exits (fakes)', () => {
  it('stops the app with the stop signal, logs why, and quits with reason parentExit and code 129', async () => {
    const s = await running({ signal: 'SIGUSR2' });
    s.parentExits(4321);
    await expect(s.supervisor.exited).resolves.toBe(129);
    expect(s.launcher.last.signals).toEqual(['SIGUSR2']);
    expect(s.quits).toEqual([{ code: 129, reason: 'parentExit', signal: null }]);
    expect(s.log).toContain('[devreload] parent exited — stopping the app');
    expect(s.log.some((line) => line.includes('pid 4321 exited'))).toBe(true);
    expect(s.disposed.parent).toBe(1);
  });

  it('is not followed for the API (only the CLI, which handles devreload’s own signals, follows its parent)', async () => {
    const s = await running({}, {});
    s.parentExits();
    await settle();
    expect(s.launcher.last.signals).toEqual([]);
    await expect(s.supervisor.stop()).resolves.toBe(0);
  });
});

describe('the leader exits after Ctrl-C and leaves processes behind (fakes)', () => {
  it('they get SIGTERM at once, with one verbose line; devreload exits as soon as they are gone', async () => {
    const s = await running();
    const app = s.launcher.last;
    app.lingers = true;
    s.kill('SIGINT');
    await settle();
    expect(app.signals).toEqual(['SIGINT', 'SIGTERM']);
    await expect(s.supervisor.exited).resolves.toBe(130);
    expect(s.log.filter((line) => line.includes('exited after SIGINT'))).toEqual(['[devreload] app (pid 100) exited after SIGINT — sending SIGTERM to what it left running']);
  });

  it('a leader that leaves nothing behind: the SIGTERM reaches nothing and nothing is said', async () => {
    const s = await running();
    s.kill('SIGINT');
    await expect(s.supervisor.exited).resolves.toBe(130);
    expect(s.launcher.last.signals).toEqual(['SIGINT']);
    expect(s.log.some((line) => line.includes('exited after'))).toBe(false);
  });
});
