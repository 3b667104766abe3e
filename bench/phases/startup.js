// Start-up: launch → first line of the app (and → listening, → watcher ready), each
// supervisor launched afresh every round, interleaved with a cold start of the app itself.
import { coldStart, launch, rotate } from '../lib/lifecycle.js';
import { PEERS } from '../lib/peers.js';
import { freePort, makeProject } from '../lib/project.js';

export async function startupPhase(ctx) {
  const peers = [PEERS.cold, PEERS.devreload, PEERS.nodemon, PEERS.nodeWatch];
  const project = makeProject(ctx.root, 'startup');
  const samples = new Map(peers.map((peer) => [peer.id, []]));
  for (let round = 0; round < ctx.rounds.startup; round++) {
    ctx.log(`start-up round ${round + 1}/${ctx.rounds.startup}`);
    for (const peer of rotate(peers, round)) {
      const port = await freePort();
      if (peer === PEERS.cold) {
        samples.get(peer.id).push(await coldStart(ctx.registry, peer, project, port));
        continue;
      }
      const launched = await launch(ctx.registry, peer, project, port);
      await launched.session.stop();
      samples.get(peer.id).push(launched);
    }
  }
  return { peers, samples };
}
