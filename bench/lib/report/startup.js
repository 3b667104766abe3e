// Start-up: launch → the app's first line for every peer, minus a cold start of the same
// command; issue 12's start-up targets.
import { COMMANDS } from '../peers.js';
import { fmt, held, medianSpread, paired, ratio } from '../stats.js';
import { median, pick, target } from './common.js';

const COLDS = { node: 'cold', tsx: 'coldTsx' };
const BUDGET_MS = 50;

export function startupSection({ peers, samples }, options, targets) {
  const coldBoot = Object.fromEntries(Object.entries(COLDS).map(([app, id]) => [app, pick(samples.get(id) ?? [], 'bootMs')]));
  const supervisors = peers.filter((peer) => !Object.values(COLDS).includes(peer.id));
  // Rounds are interleaved, so the i-th launch of each pairs with the i-th cold start.
  const overheadOf = (peer) => paired(pick(samples.get(peer.id), 'bootMs'), coldBoot[peer.app]);
  const reference = Object.fromEntries(supervisors.filter((p) => p.label === 'devreload').map((p) => [p.app, median(overheadOf(p))]));
  const lines = [
    `### Start-up (${options.rounds.startup} launches each, interleaved)`, '',
    'Launch (just before the spawn) → the app’s first line; “minus cold start” subtracts a cold start of the same ' +
    'command (`node server.js`, or `tsx src/server.ts` for the tsx rows) from the same round.', '',
    '| supervisor | app command | launch → first line of the app | minus a cold start of the same command | × devreload | launch → listening | launch → watcher-ready line |',
    '|---|---|---|---|---|---|---|',
  ];
  for (const command of Object.values(COMMANDS)) {
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

  const devreload = median(overheadOf(supervisors.find((p) => p.id === 'devreload')));
  const launchOf = (id) => median(pick(samples.get(id), 'bootMs'));
  targets.push(target(12, `\`devreload\`: launch → app’s first line within a cold start + ${BUDGET_MS} ms (median)`, `cold start + ${fmt(devreload)} ms`, held(devreload <= BUDGET_MS)));
  targets.push(target(12, '`devreload`: launch → app’s first line never behind `node --watch` (medians, same run)',
    `${fmt(launchOf('devreload'))} vs ${fmt(launchOf('nodeWatch'))} ms`, held(launchOf('devreload') <= launchOf('nodeWatch'))));
  return lines;
}

/** For a run without the start-up phase: its targets, marked as such. */
export function startupNotRun(targets) {
  targets.push(target(12, `\`devreload\`: launch → app’s first line within a cold start + ${BUDGET_MS} ms (median)`, 'phase not run', '–'));
  targets.push(target(12, '`devreload`: launch → app’s first line never behind `node --watch` (medians, same run)', 'phase not run', '–'));
}
