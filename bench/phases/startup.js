// Start-up: launch → first line of the app (and → listening, → watcher ready), each
// supervisor launched afresh every round, interleaved with a cold start of each command it
// runs (`node server.js`, `tsx src/server.ts`), so a launch pairs with a cold start taken
// moments apart.
import { spawnSync } from 'node:child_process';
import { coldStart, launch, rotate } from '../lib/lifecycle.js';
import { available, PEERS } from '../lib/peers.js';
import { freePort, makeProject } from '../lib/project.js';

export async function startupPhase(ctx) {
  // node --watch on Node 24 runs its app on Node 24: here it is compared with Node 24's cold start.
  const nodeWatch24 = { ...PEERS.nodeWatch24, app: 'node24' };
  const peers = [PEERS.cold, PEERS.coldTsx, PEERS.cold24, PEERS.devreload, PEERS.nodemon, PEERS.nodeWatch, PEERS.devreload24, nodeWatch24, PEERS.devreloadTsx, PEERS.tsxWatch].filter((peer) => available(peer, ctx.features));
  const node = makeProject(ctx.root, 'startup');
  const projects = { node, node24: node, tsx: makeProject(ctx.root, 'startup-ts', { typescript: true }) };
  const colds = new Set([PEERS.cold, PEERS.coldTsx, PEERS.cold24]);
  const samples = await launches(ctx, peers, projects, colds);
  // Once more where the machine sets NODE_EXTRA_CA_CERTS (this one does: every Node start then
  // parses the CA store first, ~30 ms on Node 20), without it: what a machine without it sees.
  let withoutCerts = null;
  const certs = process.env.NODE_EXTRA_CA_CERTS;
  if (certs !== undefined) {
    delete process.env.NODE_EXTRA_CA_CERTS;
    try {
      withoutCerts = await launches(ctx, peers, projects, colds, ' (without NODE_EXTRA_CA_CERTS)');
    } finally {
      process.env.NODE_EXTRA_CA_CERTS = certs;
    }
  }
  return { peers, samples, withoutCerts, nodeBoot: nodeBoot(ctx.rounds.startup) };
}

/** Every peer launched afresh each round, interleaved with the cold starts; samples by peer id. */
async function launches(ctx, peers, projects, colds, suffix = '') {
  const samples = new Map(peers.map((peer) => [peer.id, []]));
  // Untimed: the first start of each command fills the page cache and tsx's compile cache.
  for (const peer of colds) await coldStart(ctx.registry, peer, projects[peer.app], await freePort());
  for (let round = 0; round < ctx.rounds.startup; round++) {
    ctx.log(`start-up round ${round + 1}/${ctx.rounds.startup}${suffix}`);
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
  return samples;
}

/**
 * Node's own boot, the floor under every Node supervisor's start-up: spawn → exit of `node -e 0`,
 * with the environment as it is and, where NODE_EXTRA_CA_CERTS is set (every Node start then
 * loads and parses the CA store before any JavaScript runs), without it.
 */
function nodeBoot(rounds) {
  const time = (env) => {
    const start = process.hrtime.bigint();
    spawnSync(process.execPath, ['-e', '0'], { env, stdio: 'ignore' });
    return Number(process.hrtime.bigint() - start) / 1e6;
  };
  const extraCerts = process.env.NODE_EXTRA_CA_CERTS !== undefined;
  const { NODE_EXTRA_CA_CERTS: _, ...without } = process.env;
  const asIs = [];
  const withoutCerts = [];
  for (let i = 0; i < rounds; i++) {
    asIs.push(time(process.env));
    if (extraCerts) withoutCerts.push(time(without));
  }
  return { asIs, withoutCerts: extraCerts ? withoutCerts : null };
}
