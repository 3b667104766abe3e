// Launching a supervisor over a project and driving one restart, shared by the phases.
import { setTimeout as sleep } from 'node:timers/promises';
import { launchEnv } from './peers.js';
import { msBetween, now, Session } from './session.js';

/**
 * Starts `peer` in `project` on `port` and waits for the first app instance to listen and,
 * if the peer prints one, for its watcher-ready line. Times are ms after launch.
 */
export async function launch(registry, peer, project, port, { env = {}, readyTimeoutMs = 15_000 } = {}) {
  const session = startSession(registry, peer, project, port, env);
  try {
    const boot = await session.bootAfter(0n, 'first app instance', readyTimeoutMs);
    const listening = await session.listeningOf(boot.pid);
    const ready = peer.ready === null ? null : await session.line(peer.ready, 'watcher ready', readyTimeoutMs);
    return {
      session,
      pid: boot.pid,
      bootMs: msBetween(session.launchAt, boot.t),
      listeningMs: msBetween(session.launchAt, listening.t),
      readyMs: ready === null ? null : msBetween(session.launchAt, ready.arrivedAt),
      readyLine: ready?.line ?? null,
    };
  } catch (error) {
    await session.stop();
    throw error;
  }
}

/**
 * Rewrites the watched module and waits for a new instance to listen. That is not always the
 * first one that booted: a second event for the same write can replace an instance before
 * it listens (the settle that follows counts such extra restarts).
 */
export async function restartOnce(session, project, timeoutMs = 10_000) {
  const at = project.touch();
  await session.bootAfter(at, 'a new instance after the write', timeoutMs);
  const listening = await session.until(() => {
    const booted = new Set(session.bootsAfter(at).map((e) => e.pid));
    return session.events.find((e) => e.kind === 'listening' && booted.has(e.pid));
  }, 'a new instance listening after the write', timeoutMs);
  const boot = session.bootsAfter(at).find((e) => e.pid === listening.pid);
  return { at, boot, listening };
}

/**
 * A write only restarts once the watcher is live, and not every peer says when that is:
 * write until one restart happens (a few attempts), then let things settle.
 */
export async function warmUp(session, project, settleMs) {
  let lastError;
  for (let attempt = 0; attempt < 8; attempt++) {
    try {
      await restartOnce(session, project, 2500);
      await settle(session, settleMs);
      return;
    } catch (error) {
      lastError = error;
      if (!session.isAlive()) break;
    }
  }
  throw lastError;
}

/**
 * Waits `ms` (a benchmark's settling time between measurements, not a wait for a
 * condition), then for the newest instance to listen if a late extra restart happened.
 */
export async function settle(session, ms) {
  await sleep(ms);
  const newest = session.events.filter((e) => e.kind === 'boot').at(-1);
  if (newest !== undefined) await session.listeningOf(newest.pid);
}

/** The same command spawned directly: launch → first line, launch → listening. */
export async function coldStart(registry, peer, project, port) {
  const { session, bootMs, listeningMs } = await launch(registry, peer, project, port);
  await session.stop();
  return { bootMs, listeningMs };
}

/**
 * The spare-runtime experiment: start the runtime parked, let it idle, then time
 * "go" → first line and → listening, as a restart that reused it would see.
 */
export async function spareStart(registry, peer, project, port, parkedMs) {
  const session = startSession(registry, peer, project, port, {});
  try {
    await session.until(() => session.events.find((e) => e.kind === 'parked'), 'the spare runtime parked');
    await sleep(parkedMs);
    const at = now();
    session.write('go\n');
    const boot = await session.bootAfter(at, 'the spare runtime running the app');
    const listening = await session.listeningOf(boot.pid);
    return { bootMs: msBetween(at, boot.t), listeningMs: msBetween(at, listening.t) };
  } finally {
    await session.stop();
  }
}

function startSession(registry, peer, project, port, env) {
  return new Session(registry, {
    label: peer.label,
    command: peer.command,
    args: peer.args(port),
    cwd: project.dir,
    env: launchEnv(port, env, peer.nodeFirstOnPath),
  }).start();
}

/** Round-robin order for round `round`: A B C, then B C A, … so no peer always goes first. */
export function rotate(items, round) {
  const k = round % items.length;
  return [...items.slice(k), ...items.slice(0, k)];
}
