// Supervisor footprint over a large project: watcher-ready time, memory and idle CPU, each
// supervisor watching the project root with its defaults, over trees of plain source files
// (5k, 10k) and of mostly node_modules (10k, 100k). Memory counts every process that is the
// supervisor's own and not the app's (devreload: itself, its watchdog, a --prestart spare).
// Afterwards one write checks the watcher still works.
import { execFileSync } from 'node:child_process';
import { setTimeout as sleep } from 'node:timers/promises';
import { launch, restartOnce, rotate } from '../lib/lifecycle.js';
import { available, PEERS } from '../lib/peers.js';
import { CLOCK_TICKS, cpuTicks, memoryKiB, ussKiB } from '../lib/proc-stat.js';
import { ownProcesses, waitForSpare } from '../lib/process-roles.js';
import { fillTree, freePort, makeProject } from '../lib/project.js';
import { msBetween, now } from '../lib/session.js';

// `prestart`: the tree also gets a `devreload --prestart` row (its spare costs the same on any tree).
export const TREES = [
  { id: '5k-src', label: '5k source', source: 5_000, modules: 0, prestart: true },
  { id: '10k-src', label: '10k source', source: 10_000, modules: 0 },
  { id: '10k', label: '10k (9.5k in node_modules)', source: 500, modules: 9_500 },
  { id: '100k', label: '100k (99k in node_modules)', source: 1_000, modules: 99_000 },
];

// A scan of 100k files by a peer that descends into node_modules can take a while.
const READY_TIMEOUT_MS = 180_000;

export async function footprintPhase(ctx) {
  const results = [];
  for (const tree of TREES.filter((t) => ctx.trees.includes(t.id))) {
    // --verbose only for the line that says the initial scan is over (nodemon prints none
    // without it); it adds a few lines of output, nothing that runs while idle.
    const all = [PEERS.devreloadVerbose, ...(tree.prestart ? [PEERS.devreloadPrestartVerbose] : []), PEERS.nodemonVerbose, PEERS.nodeWatch];
    const peers = all.filter((peer) => available(peer, ctx.features));
    const started = now();
    const project = makeProject(ctx.root, `tree-${tree.id}`);
    fillTree(project.dir, tree);
    // Write the new tree back now, so no peer's measurement pays for the flush.
    execFileSync('sync');
    ctx.log(`tree ${tree.id}: ${tree.source} files in src/lib, ${tree.modules} in node_modules (made in ${Math.round(msBetween(started, now()))} ms)`);
    const samples = new Map(peers.map((peer) => [peer.label, []]));
    for (let round = 0; round < ctx.rounds.footprint; round++) {
      ctx.log(`footprint ${tree.id} round ${round + 1}/${ctx.rounds.footprint}`);
      for (const peer of rotate(peers, round)) samples.get(peer.label).push(await measure(ctx, peer, project));
    }
    results.push({
      tree,
      rows: peers.map((peer) => ({ peer, samples: samples.get(peer.label) })),
      unavailable: all.filter((peer) => !available(peer, ctx.features)),
    });
  }
  return { trees: results, idleMs: ctx.idleMs };
}

async function measure(ctx, peer, project) {
  const launched = await launch(ctx.registry, peer, project, await freePort(), { readyTimeoutMs: READY_TIMEOUT_MS });
  const { session } = launched;
  try {
    // Let start-up work (a scan's garbage, JIT) finish before idling is measured.
    await sleep(1000);
    const supervisor = session.pid;
    const spare = peer.needs === 'prestart' ? await waitForSpare(supervisor, launched.pid) : null;
    const own = ownProcesses(supervisor, launched.pid);
    const ticksBefore = sum(own.map((p) => cpuTicks(p.pid)));
    const from = now();
    await sleep(ctx.idleMs);
    const ticks = sum(own.map((p) => cpuTicks(p.pid))) - ticksBefore;
    const seconds = msBetween(from, now()) / 1000;
    const measured = own.map((p) => ({ role: p.role, program: p.argv[0] ?? '?', rss: memoryKiB(p.pid).rss, uss: ussKiB(p.pid) }));
    const memory = memoryKiB(supervisor);
    const helpers = measured.filter((p) => p.role !== 'supervisor');
    const ofRole = (role) => {
      const found = measured.filter((p) => p.role === role);
      return found.length === 0 ? { rssMiB: null, ussMiB: null } : { rssMiB: sum(found.map((p) => p.rss)) / 1024, ussMiB: sum(found.map((p) => p.uss)) / 1024 };
    };
    const watchdog = ofRole('watchdog');
    const spareMemory = ofRole('spare');
    const works = await restartOnce(session, project, 15_000).then(() => true, () => false);
    const selfReported = launched.readyLine === null ? null : /\(ready in (\d+) ms\)/.exec(launched.readyLine)?.[1];
    return {
      // Peers that print no ready line (node --watch) are watching once the app has loaded.
      readyMs: launched.readyMs ?? launched.listeningMs,
      readyFrom: launched.readyMs === null ? 'listening' : 'line',
      readyLine: launched.readyLine,
      selfReportedReadyMs: selfReported === undefined || selfReported === null ? null : Number(selfReported),
      rssMiB: memory.rss / 1024,
      peakMiB: memory.peak / 1024,
      ussMiB: ussKiB(supervisor) / 1024,
      processes: measured.length,
      roles: measured.map((p) => (p.role === 'supervisor' ? p.role : `${p.role} (${p.program.split('/').at(-1)})`)),
      totalRssMiB: sum(measured.map((p) => p.rss)) / 1024,
      totalUssMiB: sum(measured.map((p) => p.uss)) / 1024,
      helperRssMiB: sum(helpers.map((p) => p.rss)) / 1024,
      helperUssMiB: sum(helpers.map((p) => p.uss)) / 1024,
      watchdogRssMiB: watchdog.rssMiB,
      watchdogUssMiB: watchdog.ussMiB,
      spareParked: spare?.parked ?? null,
      spareRssMiB: spareMemory.rssMiB,
      spareUssMiB: spareMemory.ussMiB,
      idleCpuPct: (ticks / CLOCK_TICKS / seconds) * 100,
      idleTicks: ticks,
      works,
    };
  } finally {
    await session.stop();
  }
}

const sum = (values) => values.reduce((a, b) => a + b, 0);
