// `devreload --proxy` (issue 23): refused connections per restart through the proxy, measured
// as the downtime phase measures them (back-to-back requests, a new connection each, from
// before the write until the new instance answered), and the time from a write to the page
// showing the new content in a real browser: Debian's chromium driven by playwright-core, timed
// to the `load` event of the reload the proxy's client made. A row that cannot run (no
// --proxy in the build under test, no chromium) says why instead of sinking the whole bench.
import { copyFileSync, existsSync } from 'node:fs';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { Client } from '../lib/client.js';
import { launch, restartOnce, settle, warmUp } from '../lib/lifecycle.js';
import { PEERS, REPO } from '../lib/peers.js';
import { freePort, makeProject } from '../lib/project.js';
import { msBetween, now } from '../lib/session.js';

const PAGE_SERVER = path.join(REPO, 'fixtures/bench/page-server.js');
const CHROMIUM = process.env.DEVRELOAD_CHROMIUM ?? '/usr/bin/chromium';
const CHROMIUM_FLAGS = ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];

/** devreload over the page app, with its proxy on `proxyPort` in front of the app's `port`. */
function proxyPeer(proxyPort) {
  return { ...PEERS.devreload, id: 'devreloadProxy', label: 'devreload --proxy', needs: 'proxy', args: (port) => ['--proxy', `${proxyPort}:${port}`, '--', 'node', 'server.js'] };
}

function pageProject(ctx, name) {
  const project = makeProject(ctx.root, name);
  copyFileSync(PAGE_SERVER, path.join(project.dir, 'server.js'));
  return project;
}

export async function proxyPhase(ctx) {
  if (!ctx.features.proxy) return { refused: { error: 'the devreload under test has no --proxy' }, browser: { error: 'the devreload under test has no --proxy' } };
  return { refused: await guarded(() => refusedRow(ctx)), browser: await guarded(() => browserRow(ctx)) };
}

async function guarded(run) {
  try {
    return { samples: await run() };
  } catch (error) {
    process.stderr.write(`bench: proxy phase row failed, reported as such: ${error.stack ?? error}\n`);
    return { error: String(error.message ?? error).split('\n')[0] };
  }
}

async function refusedRow(ctx) {
  const project = pageProject(ctx, 'proxy-refused');
  const [proxyPort, port] = [await freePort(), await freePort()];
  const { session } = await launch(ctx.registry, proxyPeer(proxyPort), project, port);
  const client = new Client(ctx.registry);
  const samples = [];
  try {
    await warmUp(session, project, ctx.settleMs);
    for (let round = 0; round < ctx.rounds.downtime; round++) {
      ctx.log(`proxy refused connections round ${round + 1}/${ctx.rounds.downtime}`);
      const current = session.events.filter((e) => e.kind === 'boot').at(-1).pid;
      client.start(proxyPort);
      let stats;
      let served = false;
      try {
        await client.served(current);
        const { boot } = await restartOnce(session, project);
        served = await client.served(boot.pid, 15_000).then(() => true, () => false);
      } finally {
        stats = await client.stop();
      }
      samples.push({ refused: stats.refused, failed: stats.failed, errors: stats.errors, gapMs: stats.switches[0]?.gapMs ?? NaN, bounded: stats.bounded || !served });
      await settle(session, ctx.settleMs);
    }
  } finally {
    client.close();
    await session.stop();
  }
  return samples;
}

async function browserRow(ctx) {
  if (!existsSync(CHROMIUM)) throw new Error(`no chromium at ${CHROMIUM} (apt-get install chromium)`);
  const { chromium } = await import('playwright-core');
  const project = pageProject(ctx, 'proxy-browser');
  const [proxyPort, port] = [await freePort(), await freePort()];
  const { session } = await launch(ctx.registry, proxyPeer(proxyPort), project, port);
  const browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: CHROMIUM_FLAGS });
  const samples = [];
  try {
    await warmUp(session, project, ctx.settleMs);
    const page = await browser.newPage();
    const loads = [];
    page.on('load', () => loads.push(now()));
    await page.goto(`http://127.0.0.1:${proxyPort}/page`);
    for (let round = 0; round < ctx.rounds.latency; round++) {
      ctx.log(`proxy browser round ${round + 1}/${ctx.rounds.latency}`);
      const before = loads.length;
      const old = await page.textContent('#message');
      const { at, listening } = await restartOnce(session, project);
      // The page shows what the new instance renders: the reload's load event, once its text is new.
      const deadline = Date.now() + 15_000;
      while (loads.length === before || (await page.textContent('#message').catch(() => old)) === old) {
        if (Date.now() > deadline) throw new Error(`the page did not reload within 15 s (it still shows ${old})`);
        await sleep(5);
      }
      samples.push({ writeToLoadMs: msBetween(at, loads[before]), writeToListeningMs: msBetween(at, listening.t), listeningToLoadMs: msBetween(listening.t, loads[before]) });
      await settle(session, ctx.settleMs);
    }
  } finally {
    await browser.close();
    await session.stop();
  }
  return samples;
}
