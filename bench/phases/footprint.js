// Supervisor footprint over a large project: watcher-ready time, RSS and idle CPU with a
// 10k-file and a 100k-file tree (mostly node_modules), each supervisor watching the project
// root with its defaults. Afterwards one write checks the watcher still works.
import { execFileSync } from 'node:child_process';
import { setTimeout as sleep } from 'node:timers/promises';
import { launch, restartOnce, rotate } from '../lib/lifecycle.js';
import { PEERS } from '../lib/peers.js';
import { CLOCK_TICKS, cpuTicks, helperPids, memoryKiB, ussKiB } from '../lib/proc-stat.js';
import { fillTree, freePort, makeProject } from '../lib/project.js';
import { msBetween, now } from '../lib/session.js';

export const TREES = [
  { name: '10k', source: 500, modules: 9_500 },
  { name: '100k', source: 1_000, modules: 99_000 },
];

// A scan of 100k files by a peer that descends into node_modules can take a while.
const READY_TIMEOUT_MS = 180_000;

export async function footprintPhase(ctx) {
  // --verbose only for the line that says the initial scan is over (nodemon prints none
  // without it); it adds a few lines of output, nothing that runs while idle.
  const peers = [PEERS.devreloadVerbose, PEERS.nodemonVerbose, PEERS.nodeWatch];
  const results = [];
  for (const tree of TREES) {
    const started = now();
    const project = makeProject(ctx.root, `tree-${tree.name}`);
    fillTree(project.dir, tree);
    // Write the new tree back now, so no peer's measurement pays for the flush.
    execFileSync('sync');
    ctx.log(`tree ${tree.name}: ${tree.source} files in src/lib, ${tree.modules} in node_modules (made in ${Math.round(msBetween(started, now()))} ms)`);
    const samples = new Map(peers.map((peer) => [peer.id, []]));
    for (let round = 0; round < ctx.rounds.footprint; round++) {
      ctx.log(`footprint ${tree.name} round ${round + 1}/${ctx.rounds.footprint}`);
      for (const peer of rotate(peers, round)) samples.get(peer.id).push(await measure(ctx, peer, project));
    }
    results.push({ tree, rows: peers.map((peer) => ({ peer, samples: samples.get(peer.id) })) });
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
    const helpers = helperPids(supervisor, launched.pid);
    const pids = [supervisor, ...helpers];
    const ticksBefore = sum(pids.map(cpuTicks));
    const from = now();
    await sleep(ctx.idleMs);
    const ticks = sum(pids.map(cpuTicks)) - ticksBefore;
    const seconds = msBetween(from, now()) / 1000;
    const memory = memoryKiB(supervisor);
    const helperRss = sum(helpers.map((pid) => memoryKiB(pid).rss));
    const uss = ussKiB(supervisor);
    const helperUss = sum(helpers.map(ussKiB));
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
      helpers: helpers.length,
      helperRssMiB: helperRss / 1024,
      ussMiB: uss / 1024,
      helperUssMiB: helperUss / 1024,
      idleCpuPct: (ticks / CLOCK_TICKS / seconds) * 100,
      idleTicks: ticks,
      works,
    };
  } finally {
    await session.stop();
  }
}

const sum = (values) => values.reduce((a, b) => a + b, 0);
