// Restart latency: write → first line of the new instance, and write → listening, for each
// peer over its own copy of the app, interleaved round by round with a cold start of each
// command (`node server.js`, `tsx src/server.ts`), so each restart can be paired with a cold
// start of the same command taken moments apart.
import { coldStart, launch, restartOnce, rotate, settle, spareStart, warmUp } from '../lib/lifecycle.js';
import { available, PEERS } from '../lib/peers.js';
import { waitForSpare } from '../lib/process-roles.js';
import { freePort, makeProject } from '../lib/project.js';
import { msBetween } from '../lib/session.js';

// How long a --prestart peer may take to park its next spare before a write is timed anyway
// (the sample then says the spare was not ready).
const SPARE_WAIT_MS = 5000;

export async function latencyPhase(ctx) {
  const every = [
    PEERS.devreload, ...(PEERS.devreloadBaseline ? [PEERS.devreloadBaseline] : []), PEERS.devreloadDelay0, PEERS.devreloadPrestart, PEERS.nodemon, PEERS.nodeWatch, PEERS.nodeWatch24,
    PEERS.devreloadTsx, PEERS.devreloadPrestartTsx, PEERS.tsxWatch,
  ];
  // BENCH_LATENCY_PEERS=devreload,nodemon,…: a quick run of a few rows (ids as in peers.js; devreloadDelay15 too).
  const chosen = process.env.BENCH_LATENCY_PEERS?.split(',').map((id) => id.trim()).filter(Boolean);
  const all = chosen === undefined ? every : chosen.map((id) => PEERS[id] ?? fail(`bench: BENCH_LATENCY_PEERS names no peer "${id}" (known: ${Object.keys(PEERS).join(', ')})`));
  const peers = all.filter((peer) => available(peer, ctx.features));
  const running = [];
  try {
    for (const peer of peers) {
      const project = makeProject(ctx.root, `latency-${peer.id}`, { typescript: peer.app === 'tsx' });
      const { session } = await launch(ctx.registry, peer, project, await freePort());
      running.push({ peer, project, session, samples: [], spareMisses: 0 });
      await warmUp(session, project, ctx.settleMs);
    }
    const colds = [PEERS.cold, PEERS.coldTsx].map((peer) => ({ peer, project: makeProject(ctx.root, `latency-${peer.id}`, { typescript: peer.app === 'tsx' }), samples: [] }));
    const coldPorts = await Promise.all(colds.map(() => freePort()));
    // Untimed: the first start of each command fills the page cache and tsx's compile cache.
    for (const [i, cold] of colds.entries()) await coldStart(ctx.registry, cold.peer, cold.project, coldPorts[i]);
    const spare = { peer: PEERS.spare, project: makeProject(ctx.root, 'latency-spare'), samples: [] };
    const sparePort = await freePort();

    for (let round = 0; round < ctx.rounds.latency; round++) {
      ctx.log(`latency round ${round + 1}/${ctx.rounds.latency}`);
      for (const entry of rotate([...colds, ...running, spare], round)) {
        if (colds.includes(entry)) {
          entry.samples.push(await coldStart(ctx.registry, entry.peer, entry.project, coldPorts[colds.indexOf(entry)]));
          continue;
        }
        if (entry === spare) {
          spare.samples.push(await spareStart(ctx.registry, PEERS.spare, spare.project, sparePort, ctx.settleMs));
          continue;
        }
        const old = entry.session.events.filter((e) => e.kind === 'boot').at(-1).pid;
        const spareReady = entry.peer.needs === 'prestart' ? await spareBeforeWrite(entry, old) : null;
        const { at, boot, listening } = await restartOnce(entry.session, entry.project);
        await settle(entry.session, ctx.settleMs);
        entry.samples.push({
          bootMs: msBetween(at, boot.t),
          listeningMs: msBetween(at, listening.t),
          // More than one new instance for one write is a restart too many. The supervisor's
          // log also counts instances replaced before they ran a line of their own.
          extra: Math.max(entry.session.bootsAfter(at).length, spawnsLogged(entry.session, entry.peer, at)) - 1,
          ...breakdown(entry.session, entry.peer, at, old),
          // usedSpare: the instance that ran was the spare seen parked, not a fresh spawn.
          ...(spareReady === null ? {} : { spareParked: spareReady.parked, spareWaitMs: spareReady.waitedMs, usedSpare: boot.pid === spareReady.pid }),
        });
      }
    }
    return {
      rows: running.map(({ peer, samples }) => ({ peer, samples })),
      unavailable: all.filter((peer) => !available(peer, ctx.features)),
      cold: colds[0].samples,
      coldTsx: colds[1].samples,
      spare: spare.samples,
    };
  } finally {
    await Promise.all(running.map(({ session }) => session.stop()));
  }
}

/**
 * A --prestart restart is only what it claims once the next spare has parked: wait for it,
 * unless twice in a row none came (devreload fell back to plain restarts for this command).
 */
async function spareBeforeWrite(entry, appPid) {
  if (entry.spareMisses >= 2) return { parked: false, pid: null, waitedMs: 0 };
  const ready = await waitForSpare(entry.session.pid, appPid, SPARE_WAIT_MS);
  entry.spareMisses = ready.pid === null ? entry.spareMisses + 1 : 0;
  return ready;
}

/**
 * Where the restart's time went, in ms after the write: the supervisor's "restarting" line
 * (its arrival here: event delivery plus a pipe hop), the old app receiving the stop signal,
 * and the old app exiting (both stamped by the app).
 */
function breakdown(session, peer, at, oldPid) {
  const line = peer.restarting === null ? undefined : session.lines.find((l) => l.arrivedAt > at && peer.restarting.test(l.line));
  const event = (kind) => session.events.find((e) => e.kind === kind && e.pid === oldPid && e.t > at);
  const since = (t) => (t === undefined ? NaN : msBetween(at, t));
  return { noticedMs: since(line?.arrivedAt), signalMs: since(event('signal')?.t), exitMs: since(event('exit')?.t) };
}

function spawnsLogged(session, peer, at) {
  return peer.spawned === null ? 0 : session.lines.filter((l) => l.arrivedAt > at && peer.spawned.test(l.line)).length;
}

function fail(message) {
  throw new Error(message);
}
