// Issue 15: a burst written by a script with one process per write (a `for f in …; do touch
// "$f"; done` loop, a code generator run once per file) must give one restart, as a `git
// checkout` does; and the single save's latency is measured in the same rounds, since folding
// such bursts means a longer quiet window than one save needs.
//
//   BENCH_PHASES=scripts BENCH_SCRIPT_ROUNDS=10 node bench/run.js
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { launch, restartOnce, settle, warmUp } from '../lib/lifecycle.js';
import { PEERS } from '../lib/peers.js';
import { BURST_IMPORT, freePort, makeProject } from '../lib/project.js';
import { msBetween, now } from '../lib/session.js';
import { quiet } from './burst.js';

const run = promisify(execFile);
export const SCRIPT_FILES = 25;

/** The writers: each gets the 25 paths as arguments and writes them one process at a time. */
export const WRITERS = [
  { id: 'touch', label: '`for f in …; do touch "$f"; done` (sh)', script: 'for f in "$@"; do touch "$f"; done' },
  {
    id: 'node',
    label: 'a generator: `node -e writeFileSync(…)` once per file',
    script: `for f in "$@"; do "${process.execPath}" -e 'require("fs").writeFileSync(process.argv[1], "export const v = " + Date.now() + ";\\n")' "$f"; done`,
  },
];

export async function scriptBurstPhase(ctx) {
  const peer = PEERS.devreload;
  // The same build with the quiet window of before (15 ms): single saves are timed against it in
  // the same rounds, so the latency cost of the longer default is measured, not guessed.
  const reference = PEERS.devreloadDelay15;
  const project = makeProject(ctx.root, 'scripts-devreload', { burstFiles: SCRIPT_FILES });
  const referenceProject = makeProject(ctx.root, 'scripts-devreload-delay15');
  const { session } = await launch(ctx.registry, peer, project, await freePort(), { env: { BENCH_IMPORT: BURST_IMPORT } });
  const sessions = [session];
  const samples = { single: [], singleReference: [], ...Object.fromEntries(WRITERS.map((w) => [w.id, []])) };
  try {
    const { session: referenceSession } = await launch(ctx.registry, reference, referenceProject, await freePort());
    sessions.push(referenceSession);
    await warmUp(session, project, ctx.settleMs);
    await warmUp(referenceSession, referenceProject, ctx.settleMs);
    for (let round = 0; round < ctx.rounds.scripts; round++) {
      ctx.log(`script bursts round ${round + 1}/${ctx.rounds.scripts}`);
      const pair = [[session, project, peer, samples.single], [referenceSession, referenceProject, reference, samples.singleReference]];
      for (const [s, p, who, into] of round % 2 === 0 ? pair : pair.reverse()) into.push(await singleSave(s, p, who, ctx.settleMs));
      for (const writer of WRITERS) {
        const start = now();
        await run('sh', ['-c', writer.script, 'sh', ...project.burstFiles]);
        const writeMs = msBetween(start, now());
        const settledMs = await quiet(session, start);
        if (settledMs === null) throw session.failure(`not back after the ${writer.id} burst`);
        const count = (pattern) => session.lines.filter((l) => l.arrivedAt > start && pattern.test(l.line)).length;
        samples[writer.id].push({ spawns: count(peer.spawned), booted: session.bootsAfter(start).length, writeMs, settledMs });
        await settle(session, ctx.settleMs);
      }
    }
    return { peer, reference, files: SCRIPT_FILES, samples };
  } finally {
    await Promise.all(sessions.map((s) => s.stop()));
  }
}

async function singleSave(session, project, peer, settleMs) {
  const { at, boot } = await restartOnce(session, project);
  await settle(session, settleMs);
  const spawned = session.lines.filter((l) => l.arrivedAt > at && peer.spawned.test(l.line)).length;
  return { bootMs: msBetween(at, boot.t), extra: Math.max(session.bootsAfter(at).length, spawned) - 1 };
}
