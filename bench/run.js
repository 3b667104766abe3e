#!/usr/bin/env node
// `npm run bench`: drives devreload, nodemon, `node --watch` and `tsx watch` over the same
// fixture app (`node server.js`, or its TypeScript copy under tsx), interleaved round by round,
// and prints a markdown report on stdout (progress on stderr).
//
//   BENCH_ROUNDS=30            latency rounds; start-up and downtime run half as many
//   BENCH_BURST_ROUNDS=5       500-file bursts per peer
//   BENCH_SCRIPT_ROUNDS=10     single saves and 25-file script bursts (one process per write), devreload only
//   BENCH_FOOTPRINT_ROUNDS=3   launches per peer and tree for RSS / idle CPU / ready time
//   BENCH_APP_ROUNDS=5         restarts per supervisor and real app (Express, Fastify, Fastify + tsx, Starlette)
//   BENCH_APPS_CACHE=dir       where the real apps' npm dependencies are installed (default: $TMPDIR/devreload-bench-apps)
//   BENCH_IDLE_MS=5000         idle interval over which CPU time is measured
//   BENCH_SETTLE_MS=300        pause after each restart before the next measurement
//   BENCH_PHASES=startup,latency,downtime,proxy,burst,scripts,footprint,apps   run a subset
//   BENCH_TREES=5k-src,10k-src,10k,100k                      footprint trees to build and measure
//   BENCH_JSON=file            also write every raw sample there
//   BENCH_DEVRELOAD=bin.js     devreload entry point to measure (default: this repo's bin/)
//   BENCH_BASELINE=bin.js      another build's entry point, as an extra latency row in the same rounds
//   BENCH_LATENCY_PEERS=a,b    only these latency rows (peer ids, e.g. devreload,devreloadDelay15,nodemon)
//
// Everything runs on 127.0.0.1 in a temp dir; every process started is killed at the end,
// also on failure or Ctrl-C (see lib/registry.js).
import { mkdtempSync, realpathSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { machineInfo } from './lib/machine.js';
import { checkPrerequisites, devreloadFeatures, node24Path } from './lib/peers.js';
import { Registry } from './lib/registry.js';
import { renderReport } from './lib/report/index.js';
import { appsPhase } from './phases/apps.js';
import { burstPhase } from './phases/burst.js';
import { scriptBurstPhase } from './phases/script-burst.js';
import { downtimePhase } from './phases/downtime.js';
import { footprintPhase, TREES } from './phases/footprint.js';
import { latencyPhase } from './phases/latency.js';
import { proxyPhase } from './phases/proxy.js';
import { startupPhase } from './phases/startup.js';

const PHASES = { startup: startupPhase, latency: latencyPhase, downtime: downtimePhase, proxy: proxyPhase, burst: burstPhase, scripts: scriptBurstPhase, footprint: footprintPhase, apps: appsPhase };

function positive(name, fallback) {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < 1) throw new Error(`bench: ${name} must be a positive integer, got ${JSON.stringify(raw)}`);
  return value;
}

function settings() {
  const rounds = positive('BENCH_ROUNDS', 30);
  const phases = (process.env.BENCH_PHASES ?? Object.keys(PHASES).join(',')).split(',').map((p) => p.trim()).filter(Boolean);
  const unknown = phases.filter((p) => !(p in PHASES));
  if (unknown.length > 0) throw new Error(`bench: unknown phase ${unknown.join(', ')} (known: ${Object.keys(PHASES).join(', ')})`);
  const knownTrees = TREES.map((tree) => tree.id);
  const trees = (process.env.BENCH_TREES ?? knownTrees.join(',')).split(',').map((t) => t.trim()).filter(Boolean);
  const unknownTrees = trees.filter((t) => !knownTrees.includes(t));
  if (unknownTrees.length > 0) throw new Error(`bench: unknown tree ${unknownTrees.join(', ')} (known: ${knownTrees.join(', ')})`);
  return {
    phases,
    trees,
    rounds: {
      latency: rounds,
      startup: Math.max(1, Math.ceil(rounds / 2)),
      downtime: Math.max(1, Math.ceil(rounds / 2)),
      burst: positive('BENCH_BURST_ROUNDS', 5),
      scripts: positive('BENCH_SCRIPT_ROUNDS', 10),
      footprint: positive('BENCH_FOOTPRINT_ROUNDS', 3),
      apps: positive('BENCH_APP_ROUNDS', 5),
    },
    idleMs: positive('BENCH_IDLE_MS', 5000),
    settleMs: positive('BENCH_SETTLE_MS', 300),
  };
}

async function main() {
  const options = settings();
  checkPrerequisites();
  const root = realpathSync(mkdtempSync(path.join(os.tmpdir(), 'devreload-bench-')));
  const registry = new Registry(root);
  process.on('exit', () => registry.cleanupSync());
  for (const [signal, code] of [['SIGINT', 130], ['SIGTERM', 143], ['SIGHUP', 129]]) {
    process.on(signal, () => {
      process.stderr.write(`bench: ${signal} — killing everything it started\n`);
      registry.cleanupSync();
      process.exit(code);
    });
  }

  const began = Date.now();
  const loadBefore = os.loadavg();
  const log = (text) => process.stderr.write(`[bench ${((Date.now() - began) / 1000).toFixed(0).padStart(4)} s] ${text}\n`);
  const features = { ...devreloadFeatures(), node24: node24Path() !== null };
  const ctx = { ...options, root, registry, log, features, hasSocket: features.socket };
  const say = (name, flag = `--${name}`) => `devreload ${flag} ${features[name] ? 'available' : 'not available yet'}`;
  log(`temp root ${root}; ${say('socket')}; ${say('prestart')}; ${say('prestartRuntime', '--prestart=runtime')}`);

  const results = {};
  for (const phase of options.phases) {
    log(`phase ${phase}`);
    results[phase] = await PHASES[phase](ctx);
  }
  const machine = { ...machineInfo(), loadBefore };
  const durationS = (Date.now() - began) / 1000;
  if (process.env.BENCH_JSON) {
    writeFileSync(process.env.BENCH_JSON, `${JSON.stringify({ machine, options, durationS, results }, (_, v) => (typeof v === 'bigint' ? String(v) : v instanceof Map ? Object.fromEntries(v) : v), 2)}\n`);
  }
  process.stdout.write(renderReport({ machine, options, durationS, results, hasSocket: ctx.hasSocket, features }));
  log(`done in ${durationS.toFixed(0)} s`);
}

main().catch((error) => {
  process.stderr.write(`bench failed: ${error.stack ?? error}\n`);
  process.exitCode = 1;
});
