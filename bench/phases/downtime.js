// Refused connections per restart: a client sends back-to-back requests (one at a time, a new
// loopback connection each) from before the write until the new instance has answered; the
// window is bounded in count and time. `--socket` is measured once devreload has it; being
// new, that row is allowed to fail without sinking the whole run (the report says why).
import { launch, restartOnce, rotate, settle, warmUp } from '../lib/lifecycle.js';
import { Client } from '../lib/client.js';
import { PEERS } from '../lib/peers.js';
import { freePort, makeProject } from '../lib/project.js';

export async function downtimePhase(ctx) {
  const peers = [PEERS.devreload, ...(ctx.hasSocket ? [PEERS.devreloadSocket] : []), PEERS.nodemon, PEERS.nodeWatch];
  const optional = new Set([PEERS.devreloadSocket.id]);
  const entries = [];
  const client = new Client(ctx.registry);
  try {
    for (const peer of peers) {
      const entry = { peer, project: makeProject(ctx.root, `downtime-${peer.id}`), port: await freePort(), session: null, samples: [], error: null };
      entries.push(entry);
      await guarded(entry, optional, async () => {
        entry.session = (await launch(ctx.registry, peer, entry.project, entry.port)).session;
        await warmUp(entry.session, entry.project, ctx.settleMs);
      });
    }
    for (let round = 0; round < ctx.rounds.downtime; round++) {
      ctx.log(`downtime round ${round + 1}/${ctx.rounds.downtime}`);
      for (const entry of rotate(entries, round)) {
        if (entry.error !== null) continue;
        await guarded(entry, optional, async () => entry.samples.push(await measure(ctx, entry, client)));
      }
    }
    return { rows: entries.map(({ peer, samples, error }) => ({ peer, samples, error })), socketAvailable: ctx.hasSocket };
  } finally {
    client.close();
    await Promise.all(entries.map(({ session }) => session?.stop()));
  }
}

async function measure(ctx, entry, client) {
  const current = entry.session.events.filter((e) => e.kind === 'boot').at(-1).pid;
  client.start(entry.port);
  let stats;
  let served = false;
  try {
    await client.served(current);
    const { boot } = await restartOnce(entry.session, entry.project);
    served = await client.served(boot.pid, 15_000).then(() => true, () => false);
  } finally {
    stats = await client.stop();
  }
  await settle(entry.session, ctx.settleMs);
  return {
    refused: stats.refused,
    failed: stats.failed,
    errors: stats.errors,
    downtimeMs: stats.switches[0]?.gapMs ?? NaN,
    bounded: stats.bounded || !served,
  };
}

async function guarded(entry, optional, run) {
  try {
    await run();
  } catch (error) {
    if (!optional.has(entry.peer.id)) throw error;
    entry.error = error.message.split('\n')[0];
    process.stderr.write(`bench: ${entry.peer.label} failed, reported as such: ${error.message}\n`);
    await entry.session?.stop();
  }
}
