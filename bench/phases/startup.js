// Start-up: launch → first line of the app (and → listening, → watcher ready), each
// supervisor launched afresh every round, interleaved with a cold start of each command it
// runs (`node server.js`, `tsx src/server.ts`), so a launch pairs with a cold start taken
// moments apart.
import { coldStart, launch, rotate } from '../lib/lifecycle.js';
import { available, PEERS } from '../lib/peers.js';
import { freePort, makeProject } from '../lib/project.js';

export async function startupPhase(ctx) {
  const peers = [PEERS.cold, PEERS.coldTsx, PEERS.devreload, PEERS.nodemon, PEERS.nodeWatch, PEERS.nodeWatch24, PEERS.devreloadTsx, PEERS.tsxWatch].filter((peer) => available(peer, ctx.features));
  const projects = { node: makeProject(ctx.root, 'startup'), tsx: makeProject(ctx.root, 'startup-ts', { typescript: true }) };
  const colds = new Set([PEERS.cold, PEERS.coldTsx]);
  const samples = new Map(peers.map((peer) => [peer.id, []]));
  // Untimed: the first start of each command fills the page cache and tsx's compile cache.
  for (const peer of colds) await coldStart(ctx.registry, peer, projects[peer.app], await freePort());
  for (let round = 0; round < ctx.rounds.startup; round++) {
    ctx.log(`start-up round ${round + 1}/${ctx.rounds.startup}`);
    for (const peer of rotate(peers, round)) {
      const project = projects[peer.app];
      const port = await freePort();
      if (colds.has(peer)) {
        samples.get(peer.id).push(await coldStart(ctx.registry, peer, project, port));
        continue;
      }
      const launched = await launch(ctx.registry, peer, project, port);
      await launched.session.stop();
      const { session, ...sample } = launched;
      samples.get(peer.id).push(sample);
    }
  }
  return { peers, samples };
}
