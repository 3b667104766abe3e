import { describe, expect, it } from 'vitest';
import { readProcessTable } from '../../src/process/table.js';
import { disposeAfterEach, Devreload, isAlive, Project, serverFixture, waitUntil } from './harness.js';

// Seeded storms of saves, `rs`, bursts, and the app crashing or exiting under devreload.
// Reproduce a failure with the seed it prints: STORM_SEED=<seed> npx vitest run test/e2e/storm.test.ts
const seed = Number(process.env.STORM_SEED ?? Math.floor(Math.random() * 2 ** 31));
const steps = Number(process.env.STORM_STEPS ?? 40);

/** mulberry32: a tiny, well-known seeded PRNG. */
function random(state: number): () => number {
  return () => {
    state = (state + 0x6d2b79f5) | 0;
    let t = Math.imul(state ^ (state >>> 15), 1 | state);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

let project: Project | undefined;
let devreload: Devreload | undefined;

disposeAfterEach();

type Step = 'save' | 'rs' | 'burst' | 'crash' | 'exit0';

describe(`storm (seed ${seed})`, () => {
  it('never two instances, never an orphan, the supervisor always alive', async () => {
    console.log(`storm seed ${seed} (STORM_SEED=${seed} reproduces it)`);
    const next = random(seed);
    project = await Project.create();
    const p = project;
    devreload = new Devreload(['--watch', 'src', '--kill-timeout', '2000', '--', 'node', serverFixture], {
      cwd: p.dir,
      env: { APP_RECORD: p.record, APP_WORKERS: '1' },
    });
    const d = devreload;
    const ready = /\] ready\b/;
    await d.waitFor(/\[devreload\] watching/);
    await d.waitFor(ready);
    let running = true;
    let sentinel = 0;
    const history: string[] = [];
    const context = () => `seed ${seed}, steps: ${history.join(' ')}\n${d.output}`;

    /** A restart that includes a fresh sentinel file proves every earlier save was handled. */
    const settle = async () => {
      sentinel += 1;
      const name = `src/sentinel-${sentinel}.js`;
      await p.write(name);
      await waitUntil(() => p.entries('start').some((e) => (JSON.parse(e.changed ?? '[]') as string[]).includes(name)), { timeout: 20_000, describe: context });
      // The latest instance is up. An instance replaced before it was ready never says so: a
      // sentinel seen after the spawn `rs` asked for (polling sees it up to 100 ms late) stops
      // that instance before its ready line.
      await waitUntil(() => d.stdout.includes(`[app ${p.entries('start').at(-1)?.pid}] ready`), { timeout: 20_000, describe: context });
      running = true;
    };

    for (let i = 0; i < steps; i++) {
      const roll = next();
      const step: Step = roll < 0.3 ? 'save' : roll < 0.45 ? 'rs' : roll < 0.65 ? 'burst' : roll < 0.85 ? 'crash' : 'exit0';
      history.push(step);
      const leader = p.entries('start').at(-1)!.pid;
      switch (step) {
        case 'save':
          await settle();
          break;
        case 'rs':
          d.type('rs\n');
          await settle();
          break;
        case 'burst':
          for (let k = 0, n = 2 + Math.floor(next() * 6); k < n; k++) {
            if (next() < 0.5) await p.write(`src/burst-${k}.js`);
            else d.type('rs\n');
          }
          await settle();
          break;
        case 'crash':
        case 'exit0': {
          if (!running) break;
          const exits = d.count(/\[devreload\] app (exited|was killed)/);
          process.kill(leader, step === 'crash' ? 'SIGKILL' : 'SIGUSR2');
          await waitUntil(() => d.count(/\[devreload\] app (exited|was killed)/) > exits, { describe: context });
          running = false;
          break;
        }
      }
      // Invariants, at rest after every step.
      expect(d.alive, context()).toBe(true);
      const current = running ? p.entries('start').at(-1)!.pid : undefined;
      const currentWorkers = p.entries('worker').filter((w) => w.parent === current).map((w) => w.pid);
      const orphans = p.allPids().filter((pid) => pid !== current && !currentWorkers.includes(pid) && isAlive(pid));
      expect(orphans, `orphans after step ${i} (${step}); ${context()}`).toEqual([]);
      const leaders = (await readProcessTable()).filter((e) => e.ppid === d.pid && !e.zombie && p.allPids().includes(e.pid));
      expect(leaders.length, context()).toBeLessThanOrEqual(1);
    }

    d.signal('SIGTERM');
    const exit = await d.waitForExit();
    expect(exit, context()).toEqual({ code: 143, signal: null });
    await waitUntil(() => p.allPids().every((pid) => !isAlive(pid)), { describe: context });
  }, 240_000);
});
