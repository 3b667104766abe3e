// Start-up: launch → the app's first line for every peer, minus a cold start of the same
// command. Issue 21's targets: devreload ahead of nodemon (`node server.js`) and of tsx watch
// (`tsx src/server.ts`); node --watch, whose watcher ships inside Node, is shown beside it with
// no target.
import { COMMAND_NODE24, COMMANDS } from '../peers.js';
import { fmt, held, medianSpread, paired, ratio } from '../stats.js';
import { median, pick, target } from './common.js';

const COLDS = { node: 'cold', tsx: 'coldTsx', node24: 'cold24' };

/** The start-up targets: devreload's launch → first line, median, against each peer it must be ahead of. */
const AHEAD_OF = [
  { devreload: 'devreload', peer: 'nodemon', text: '`devreload -- node server.js`: launch → app’s first line ahead of nodemon (medians, same run)' },
  { devreload: 'devreloadTsx', peer: 'tsxWatch', text: '`devreload -- tsx src/server.ts`: launch → app’s first line ahead of `tsx watch` (medians, same run)' },
];

export function startupSection({ peers, samples, withoutCerts = null, nodeBoot }, options, targets) {
  const lines = [
    `### Start-up (${options.rounds.startup} launches each, interleaved)`, '',
    'Launch (just before the spawn) → the app’s first line; “minus cold start” subtracts a cold start of the same ' +
    'command (`node server.js`, or `tsx src/server.ts` for the tsx rows) from the same round. The Node 24 rows run ' +
    'the supervisor *and* the app on Node 24 and subtract Node 24’s cold start. `node --watch` is shown beside ' +
    'devreload without a target: its watcher ships inside Node, which has booted already when it starts the app.', '',
    ...startupTable(peers, samples),
  ];
  if (withoutCerts !== null) {
    lines.push('The same, with `NODE_EXTRA_CA_CERTS` removed from the environment (this machine sets it; see Node’s own boot below): ' +
      'what a machine without it sees. The targets are judged on the table above.', '', ...startupTable(peers, withoutCerts));
  }
  if (nodeBoot !== undefined) {
    const without = nodeBoot.withoutCerts === null ? '' :
      `; ${medianSpread(nodeBoot.withoutCerts)} ms without \`NODE_EXTRA_CA_CERTS\`, which this machine sets (with it, every Node start loads and parses the CA store before any JavaScript runs: the same cost in every row above, the cold starts included)`;
    lines.push(`Node’s own boot (spawn → exit of \`node -e 0\`, ${nodeBoot.asIs.length} times): ${medianSpread(nodeBoot.asIs)} ms${without}. ` +
      'A supervisor written for Node starts its app no sooner than this after launch.', '');
  }

  const launchOf = (id) => median(pick(samples.get(id) ?? [], 'bootMs'));
  for (const { devreload, peer, text } of AHEAD_OF) {
    const ours = launchOf(devreload);
    const theirs = launchOf(peer);
    const measured = Number.isFinite(ours) && Number.isFinite(theirs) ? `${fmt(ours)} vs ${fmt(theirs)} ms` : 'not measured';
    targets.push(target(21, text, measured, Number.isFinite(ours) && Number.isFinite(theirs) ? held(ours < theirs) : '–'));
  }
  return lines;
}

/** The table of launch → first line for every peer, from one set of interleaved launches. */
function startupTable(peers, samples) {
  const coldBoot = Object.fromEntries(Object.entries(COLDS).map(([app, id]) => [app, pick(samples.get(id) ?? [], 'bootMs')]));
  const supervisors = peers.filter((peer) => !Object.values(COLDS).includes(peer.id));
  // Rounds are interleaved, so the i-th launch of each pairs with the i-th cold start.
  const overheadOf = (peer) => paired(pick(samples.get(peer.id), 'bootMs'), coldBoot[peer.app]);
  const reference = Object.fromEntries(supervisors.filter((p) => p.id.startsWith('devreload')).map((p) => [p.app, median(overheadOf(p))]));
  const lines = [
    '| supervisor | app command | launch → first line of the app | minus a cold start of the same command | × devreload | launch → listening | launch → watcher-ready line |',
    '|---|---|---|---|---|---|---|',
  ];
  for (const command of [...Object.values(COMMANDS), COMMAND_NODE24]) {
    const cold = samples.get(COLDS[command.id]);
    if (cold === undefined) continue;
    lines.push(`| cold start (spawned directly) | ${command.text} | ${medianSpread(coldBoot[command.id])} | – | – | ${medianSpread(pick(cold, 'listeningMs'))} | – |`);
    for (const peer of supervisors.filter((p) => p.app === command.id)) {
      const rows = samples.get(peer.id);
      const overhead = overheadOf(peer);
      const ready = rows.some((r) => r.readyMs !== null) ? medianSpread(pick(rows, 'readyMs')) : 'prints none';
      lines.push(`| ${peer.label} | ${command.text} | ${medianSpread(pick(rows, 'bootMs'))} | ${medianSpread(overhead)} | ${ratio(median(overhead), reference[command.id])} | ${medianSpread(pick(rows, 'listeningMs'))} | ${ready} |`);
    }
  }
  lines.push('');
  return lines;
}

/** For a run without the start-up phase: its targets, marked as such. */
export function startupNotRun(targets) {
  for (const { text } of AHEAD_OF) targets.push(target(21, text, 'phase not run', '–'));
}
