import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { resolveOptions, type DevreloadOptions } from '../../src/options/resolve.js';
import type { ProbeResult, ReadyProbe } from '../../src/socket/ready.js';
import type { ReadyCheck } from '../../src/socket/ready-target.js';
import { Supervisor } from '../../src/supervisor/reloader.js';
import { listenLook } from '../../src/tuning.js';
import { fakePorts, settle } from './fakes.js';

// What devreload says about a new instance's readiness, over fakes: a probe per instance whose
// outcome the test decides, a clock that moves when the test says.
const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

interface FakeProbe {
  readonly check: ReadyCheck;
  settle(result: ProbeResult): void;
  cancelled: boolean;
  /** What a last look (settleNow) finds: the instance listening since the probe's last look. */
  lastLook: ProbeResult;
}

async function running(options: Partial<DevreloadOptions> = {}) {
  const fakes = fakePorts();
  const probes: FakeProbe[] = [];
  fakes.ports.probe = (check): ReadyProbe => {
    let resolve!: (result: ProbeResult) => void;
    const ready = new Promise<ProbeResult>((r) => (resolve = r));
    let settled: ProbeResult | undefined;
    const finish = (result: ProbeResult): ProbeResult => {
      settled ??= result;
      resolve(settled);
      return settled;
    };
    const probe: FakeProbe = { check, settle: finish, cancelled: false, lastLook: { outcome: 'cancelled' } };
    probes.push(probe);
    return {
      ready,
      line: () => {},
      cancel: () => {
        probe.cancelled = true;
        finish({ outcome: 'cancelled' });
      },
      settleNow: () => finish(probe.lastLook),
    };
  };
  const resolved = resolveOptions({ command: 'node', args: ['server.js'], cwd: repoRoot, watch: ['src'], delay: 15, ...options }, 'api');
  const supervisor = new Supervisor(resolved, { ports: fakes.ports, handleSignals: true, readStdin: true });
  const ready: unknown[] = [];
  supervisor.on('ready', (payload) => ready.push(payload));
  await supervisor.start();
  await settle();
  const probe = (index: number): FakeProbe => {
    const found = probes[index];
    if (found === undefined) throw new Error(`no probe ${index} (${probes.length} made)`);
    return found;
  };
  /** A change, then time for the stop and the quiet window: the next instance is spawned. */
  const restart = async (file = 'src/app.js', ms = 20): Promise<void> => {
    fakes.watcher.change(path.join(repoRoot, file));
    await settle();
    await fakes.clock.advance(ms);
  };
  return { ...fakes, supervisor, probes, probe, ready, restart };
}

const listening = (address: string): ProbeResult => ({ outcome: 'ready', ms: 0, address });

describe('readiness lines and events', () => {
  it('the first start: `started`, then `ready in N ms (listening on …)` from the launch, and a ready event with the address', async () => {
    const s = await running();
    expect(s.probe(0).check.kind).toBe('listen');
    await s.clock.advance(40);
    s.probe(0).settle(listening('127.0.0.1:3000'));
    await settle();
    expect(s.log).toContain('[devreload] ready in 40 ms (listening on 127.0.0.1:3000)');
    expect(s.ready).toEqual([{ pid: 100, ms: 40, restartMs: null, address: '127.0.0.1:3000' }]);
  });

  it('a restart of an app that listened: the `restarted in` line waits, and `ready in` measured from the change takes its place', async () => {
    const s = await running();
    s.probe(0).settle(listening('127.0.0.1:3000'));
    await settle();
    await s.restart('src/app.js', 20);
    expect(s.launcher.instances).toHaveLength(2);
    expect(s.log.filter((line) => line.includes('restarted in'))).toEqual([]);
    await s.clock.advance(60);
    s.probe(1).settle(listening('127.0.0.1:3000'));
    await settle();
    // 15 ms of quiet window, then 60 ms until it listened (the stop took no time).
    expect(s.log.at(-1)).toBe('[devreload] ready in 80 ms (listening on 127.0.0.1:3000)');
    expect(s.log.filter((line) => line.includes('restarted in'))).toEqual([]);
    expect(s.ready.at(-1)).toEqual({ pid: 101, ms: 65, restartMs: 80, address: '127.0.0.1:3000' });
  });

  it('the held line names the files a burst folded in', async () => {
    const s = await running();
    s.probe(0).settle(listening('[::]:3000'));
    await settle();
    s.watcher.change(path.join(repoRoot, 'src/a.js'));
    s.watcher.change(path.join(repoRoot, 'src/b.js'));
    await settle();
    await s.clock.advance(200);
    s.probe(1).settle(listening('[::]:3000'));
    await settle();
    expect(s.log.at(-1)).toBe('[devreload] ready in 200 ms (listening on [::]:3000) — src/a.js (+1 more) changed');
  });

  it('an instance replaced before it was ready gets its `restarted in` line, before the next restart’s', async () => {
    const s = await running();
    s.probe(0).settle(listening('127.0.0.1:3000'));
    await settle();
    await s.restart('src/app.js');
    await s.restart('src/other.js');
    const lines = s.log.filter((line) => /restart/.test(line));
    expect(lines).toEqual([
      '[devreload] restarting: src/app.js changed',
      '[devreload] restarted in 15 ms',
      '[devreload] restarting: src/other.js changed',
    ]);
    expect(s.probe(1).cancelled).toBe(true);
  });

  it('an instance that began listening since the last look is ready, and said so before the restart that stops it', async () => {
    const s = await running();
    await s.clock.advance(30);
    s.probe(0).lastLook = listening('127.0.0.1:3000');
    await s.restart('src/app.js');
    const lines = s.log.filter((line) => /ready|restart/.test(line));
    expect(lines).toEqual(['[devreload] ready in 30 ms (listening on 127.0.0.1:3000)', '[devreload] restarting: src/app.js changed']);
    expect(s.ready).toEqual([{ pid: 100, ms: 30, restartMs: null, address: '127.0.0.1:3000' }]);
    // It was seen listening: the next instance's line waits for its readiness.
    expect(s.log.filter((line) => line.includes('restarted in'))).toEqual([]);
    await s.clock.advance(40);
    s.probe(1).settle(listening('127.0.0.1:3000'));
    await settle();
    expect(s.log.at(-1)).toBe('[devreload] ready in 60 ms (listening on 127.0.0.1:3000)');
  });

  it('an app not seen listening within the bound: its held line is printed then, and the next restart’s line is not held', async () => {
    const s = await running();
    s.probe(0).settle(listening('127.0.0.1:3000'));
    await settle();
    await s.restart('src/app.js');
    s.probe(1).settle({ outcome: 'gaveUp' });
    await settle();
    expect(s.log.at(-1)).toBe('[devreload] restarted in 15 ms');
    // Past the burst window, so the next change is a single save again.
    await s.clock.advance(1000);
    await s.restart('src/app.js');
    expect(s.log.at(-1)).toBe('[devreload] restarted in 15 ms');
    expect(s.log.filter((line) => line.includes('restarted in'))).toHaveLength(2);
  });

  it('an app that never listened keeps today’s line, printed at the spawn', async () => {
    const s = await running();
    await s.restart('src/app.js');
    expect(s.log.at(-1)).toBe('[devreload] restarted in 15 ms');
    expect(s.ready).toEqual([]);
  });

  it('with --ready, a held line waits at most the bound, then is printed as it was', async () => {
    const s = await running({ ready: '/listening/' });
    expect(s.probe(0).check.kind).toBe('output');
    await s.restart('src/app.js');
    expect(s.log.filter((line) => line.includes('restarted in'))).toEqual([]);
    await s.clock.advance(listenLook.giveUpMs);
    expect(s.log.at(-1)).toBe('[devreload] restarted in 15 ms');
  });
});
