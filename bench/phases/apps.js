// Issue 22: real apps. For each (Express, Fastify, Fastify under tsx, Starlette under uvicorn),
// every supervisor that applies runs its own copy; each round rewrites the watched module for
// each in turn and, in the same round, starts the app cold (spawned directly). Figures: write →
// the new instance listening (its own stamp) and → serving (the first answer with the new
// version), against the cold start's spawn → listening and → serving.
//
//   BENCH_PHASES=apps BENCH_APP_ROUNDS=5 node bench/run.js
import { setTimeout as sleep } from 'node:timers/promises';
import { nodeDependencies, pythonStack } from '../lib/app-deps.js';
import { APPS, makeAppProject } from '../lib/apps.js';
import { rotate } from '../lib/lifecycle.js';
import { available, launchEnv } from '../lib/peers.js';
import { memoryKiB, ussKiB } from '../lib/proc-stat.js';
import { ownProcesses, waitForSpare } from '../lib/process-roles.js';
import { freePort } from '../lib/project.js';
import { servingVersion } from '../lib/serving.js';
import { msBetween, Session } from '../lib/session.js';

// A first start may compile (tsx) or fill caches: give it time; a restart must be quicker.
const FIRST_SERVE_MS = 60_000;
const SPARE_WAIT_MS = 5000;

export async function appsPhase(ctx) {
  const deps = nodeDependencies(ctx.log);
  const python = pythonStack();
  const apps = [];
  for (const app of APPS) {
    if (app.language === 'python' && !python.ok) {
      ctx.log(`apps: ${app.label} skipped: ${python.reason}`);
      apps.push({ app, skipped: python.reason });
      continue;
    }
    apps.push(await measureApp(ctx, app, deps.dir));
  }
  return { apps, versions: { ...deps.versions, ...(python.ok ? python.versions : {}) } };
}

async function measureApp(ctx, app, deps) {
  const peers = app.peers.filter((peer) => available(peer, ctx.features));
  const running = [];
  try {
    for (const peer of peers) {
      const project = makeAppProject(ctx.root, `app-${app.id}-${peer.id}`, app, deps);
      const port = await freePort();
      const session = new Session(ctx.registry, { label: `${app.label}: ${peer.label}`, command: peer.command, args: peer.args(port), cwd: project.dir, env: launchEnv(port) }).start();
      const entry = { peer, project, port, session, samples: [], appPid: null, spareMisses: 0 };
      running.push(entry);
      entry.appPid = (await guard(session, servingVersion(port, 0, FIRST_SERVE_MS))).pid;
      await warmUp(ctx, entry);
    }
    const coldProject = makeAppProject(ctx.root, `app-${app.id}-cold`, app, deps);
    const coldPort = await freePort();
    // Untimed: the first start fills the page cache, tsx's compile cache and __pycache__.
    await coldStart(ctx, app, coldProject, coldPort);
    const cold = [];
    for (let round = 0; round < ctx.rounds.apps; round++) {
      ctx.log(`apps: ${app.label} round ${round + 1}/${ctx.rounds.apps}`);
      for (const entry of rotate(['cold', ...running], round)) {
        if (entry === 'cold') cold.push(await coldStart(ctx, app, coldProject, coldPort));
        else entry.samples.push(await restart(ctx, entry));
      }
    }
    for (const entry of running.filter((e) => e.peer.spare)) entry.spareMemory = await spareMemory(entry);
    return {
      app,
      cold,
      rows: running.map(({ peer, samples, session, spareMemory }) => ({
        peer,
        samples,
        spareMemory: spareMemory ?? null,
        // Where `--prestart` does not apply (a command it cannot park), the row is an ordinary restart and says so.
        notApplied: session.lines.find((l) => /--prestart does not apply/.test(l.line))?.line.replace(/^\[devreload\] /, '') ?? null,
      })),
      unavailable: app.peers.filter((peer) => !available(peer, ctx.features)),
    };
  } finally {
    await Promise.all(running.map(({ session }) => session.stop()));
  }
}

/** One timed restart: write → new listening stamp, → first answer with the new version. */
async function restart(ctx, entry) {
  const spare = entry.peer.spare ? await spareBeforeWrite(entry) : null;
  const { at, version } = entry.project.touch();
  const served = await guard(entry.session, servingVersion(entry.port, version));
  entry.appPid = served.pid;
  const listening = entry.session.events.find((e) => e.kind === 'listening' && e.pid === served.pid && e.t > at);
  await sleep(ctx.settleMs);
  const spawns = entry.peer.spawned === null ? 0 : entry.session.lines.filter((l) => l.arrivedAt > at && entry.peer.spawned.test(l.line)).length;
  return {
    listeningMs: listening === undefined ? NaN : msBetween(at, listening.t),
    servingMs: msBetween(at, served.at),
    // More than one new instance for one write is a restart too many.
    extra: Math.max(entry.session.bootsAfter(at).length, spawns) - 1,
    ...(spare === null ? {} : { spareParked: spare.parked, usedSpare: served.pid === spare.pid }),
  };
}

/** A write only restarts once the watcher is live: write until one is served (untimed). */
async function warmUp(ctx, entry) {
  let lastError;
  for (let attempt = 0; attempt < 8; attempt++) {
    const { version } = entry.project.touch();
    try {
      entry.appPid = (await servingVersion(entry.port, version, 3000)).pid;
      await sleep(ctx.settleMs);
      return;
    } catch (error) {
      lastError = error;
      if (!entry.session.isAlive()) break;
    }
  }
  throw entry.session.failure(`no restart after 8 writes: ${lastError?.message}`);
}

/** The same command spawned directly: spawn → listening, spawn → serving. */
async function coldStart(ctx, app, project, port) {
  const session = new Session(ctx.registry, { label: `${app.label}: cold start`, command: app.cold.command, args: app.cold.args(port), cwd: project.dir, env: launchEnv(port) }).start();
  try {
    const served = await guard(session, servingVersion(port, project.version, FIRST_SERVE_MS));
    const listening = session.events.find((e) => e.kind === 'listening');
    return { listeningMs: listening === undefined ? NaN : msBetween(session.launchAt, listening.t), servingMs: msBetween(session.launchAt, served.at) };
  } finally {
    await session.stop();
  }
}

/** A --prestart restart is only what it claims once the next spare has parked (unless none came twice in a row). */
async function spareBeforeWrite(entry) {
  if (entry.spareMisses >= 2) return { parked: false, pid: null };
  const ready = await waitForSpare(entry.session.pid, entry.appPid, SPARE_WAIT_MS);
  entry.spareMisses = ready.pid === null ? entry.spareMisses + 1 : 0;
  return ready;
}

/** The parked spare's memory after the rounds (its dependencies loaded, with warm spares). */
async function spareMemory(entry) {
  const ready = await waitForSpare(entry.session.pid, entry.appPid, SPARE_WAIT_MS);
  if (ready.pid === null) return null;
  const spares = ownProcesses(entry.session.pid, entry.appPid).filter((p) => p.role === 'spare');
  return { rssMiB: sum(spares.map((p) => memoryKiB(p.pid).rss)) / 1024, ussMiB: sum(spares.map((p) => ussKiB(p.pid))) / 1024 };
}

/** The promise's value; its failure with the session's last output. */
async function guard(session, promise) {
  try {
    return await promise;
  } catch (error) {
    throw session.failure(error.message);
  }
}

const sum = (values) => values.reduce((a, b) => a + b, 0);
