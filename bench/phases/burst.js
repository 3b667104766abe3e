// Restarts caused by a 500-file burst (a `git checkout`): every file is imported by the app,
// so `node --watch`, which only watches the module graph, sees the burst like the others.
import { setTimeout as sleep } from 'node:timers/promises';
import { launch, rotate, settle, warmUp } from '../lib/lifecycle.js';
import { PEERS } from '../lib/peers.js';
import { BURST_IMPORT, freePort, makeProject } from '../lib/project.js';
import { msBetween, now } from '../lib/session.js';

export const BURST_FILES = 500;
// The burst is over when the supervisor has printed nothing for this long, no new instance
// has booted for this long, and the newest instance listens.
const QUIET_MS = 2000;
// A supervisor that is not back by then is reported as such, and not burst again.
const MAX_MS = 60_000;

export async function burstPhase(ctx) {
  const peers = [PEERS.devreload, PEERS.devreloadDelay0, PEERS.nodemon, PEERS.nodeWatch];
  const running = [];
  try {
    for (const peer of peers) {
      const project = makeProject(ctx.root, `burst-${peer.id}`, { burstFiles: BURST_FILES });
      const { session } = await launch(ctx.registry, peer, project, await freePort(), { env: { BENCH_IMPORT: BURST_IMPORT } });
      running.push({ peer, project, session, samples: [], stuck: false });
      await warmUp(session, project, ctx.settleMs);
    }
    for (let round = 0; round < ctx.rounds.burst; round++) {
      ctx.log(`burst round ${round + 1}/${ctx.rounds.burst}`);
      for (const entry of rotate(running, round)) {
        if (entry.stuck) continue;
        const sample = await burstOnce(entry);
        entry.samples.push(sample);
        if (sample.settledMs === null) {
          entry.stuck = true;
          ctx.log(`${entry.peer.label} was not back ${MAX_MS / 1000} s after a burst; no more bursts for it`);
          continue;
        }
        await settle(entry.session, ctx.settleMs);
      }
    }
    return { rows: running.map(({ peer, samples }) => ({ peer, samples })), files: BURST_FILES, maxMs: MAX_MS };
  } finally {
    await Promise.all(running.map(({ session }) => session.stop()));
  }
}

async function burstOnce({ peer, project, session }) {
  const { at, maxGapMs } = project.burst();
  const writeMs = msBetween(at, now());
  const settledMs = await quiet(session, at);
  const count = (pattern) => session.lines.filter((l) => l.arrivedAt > at && pattern.test(l.line)).length;
  // Spawns come from the supervisor's log: an instance stopped before it ran any code has no boot stamp.
  return { spawns: count(peer.spawned), booted: session.bootsAfter(at).length, logged: count(peer.restarting), writeMs, maxGapMs, settledMs };
}

/** Polls until the restarts stop; returns burst start → the last instance listening (ms), or null. */
export async function quiet(session, at) {
  const deadline = Date.now() + MAX_MS;
  while (Date.now() < deadline) {
    await sleep(50);
    if (!session.isAlive()) throw session.failure('exited during the burst');
    const last = session.bootsAfter(at).at(-1);
    if (last === undefined) continue;
    const listening = session.events.find((e) => e.kind === 'listening' && e.pid === last.pid);
    const lastOutput = session.lines.at(-1)?.arrivedAt ?? 0n;
    if (listening !== undefined && msBetween(listening.arrivedAt, now()) >= QUIET_MS && msBetween(lastOutput, now()) >= QUIET_MS) {
      return msBetween(at, listening.t);
    }
  }
  return null;
}
