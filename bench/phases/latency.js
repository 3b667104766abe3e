// Restart latency: write → first line of the new instance, and write → listening, for each
// peer over its own copy of the app, interleaved round by round with a cold start of the same
// command, so each restart can be paired with a cold start taken moments apart.
import { coldStart, launch, restartOnce, rotate, settle, spareStart, warmUp } from '../lib/lifecycle.js';
import { PEERS } from '../lib/peers.js';
import { freePort, makeProject } from '../lib/project.js';
import { msBetween } from '../lib/session.js';

export async function latencyPhase(ctx) {
  const peers = [PEERS.devreload, PEERS.devreloadDelay0, PEERS.nodemon, PEERS.nodeWatch];
  const running = [];
  try {
    for (const peer of peers) {
      const project = makeProject(ctx.root, `latency-${peer.id}`);
      const { session } = await launch(ctx.registry, peer, project, await freePort());
      running.push({ peer, project, session, samples: [] });
      await warmUp(session, project, ctx.settleMs);
    }
    const cold = { peer: PEERS.cold, project: makeProject(ctx.root, 'latency-cold'), samples: [] };
    const coldPort = await freePort();
    const spare = { peer: PEERS.spare, project: makeProject(ctx.root, 'latency-spare'), samples: [] };
    const sparePort = await freePort();

    for (let round = 0; round < ctx.rounds.latency; round++) {
      ctx.log(`latency round ${round + 1}/${ctx.rounds.latency}`);
      for (const entry of rotate([cold, ...running, spare], round)) {
        if (entry === cold) {
          cold.samples.push(await coldStart(ctx.registry, PEERS.cold, cold.project, coldPort));
          continue;
        }
        if (entry === spare) {
          spare.samples.push(await spareStart(ctx.registry, PEERS.spare, spare.project, sparePort, ctx.settleMs));
          continue;
        }
        const old = entry.session.events.filter((e) => e.kind === 'boot').at(-1).pid;
        const { at, boot, listening } = await restartOnce(entry.session, entry.project);
        await settle(entry.session, ctx.settleMs);
        entry.samples.push({
          bootMs: msBetween(at, boot.t),
          listeningMs: msBetween(at, listening.t),
          // More than one new instance for one write is a restart too many. The supervisor's
          // log also counts instances replaced before they ran a line of their own.
          extra: Math.max(entry.session.bootsAfter(at).length, spawnsLogged(entry.session, entry.peer, at)) - 1,
          ...breakdown(entry.session, entry.peer, at, old),
        });
      }
    }
    return { rows: running.map(({ peer, samples }) => ({ peer, samples })), cold: cold.samples, spare: spare.samples };
  } finally {
    await Promise.all(running.map(({ session }) => session.stop()));
  }
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
