// Restarts caused by a 500-file burst (issue 7: one restart per burst).
import { fmt, held, medianSpread } from '../stats.js';
import { pick, target } from './common.js';

export function burstSection({ rows, files, maxMs }, options, targets) {
  const lines = [
    `### ${files}-file burst (${options.rounds.burst} bursts each)`, '',
    `All ${files} files are rewritten back to back; every one is imported by the app (so node --watch sees them too). ` +
    'Back = burst start → the last new instance listening, once the supervisor has printed nothing and ' +
    `started nothing for 2 s (given up after ${maxMs / 1000} s).`, '',
    'Restarts = new instances the supervisor says it started (`restarted in` or `ready in` for devreload, `starting` for ' +
    'nodemon, `Restarting` for node --watch); booted = of those, how many ran far enough to stamp their first line.', '',
    '| supervisor | restarts per burst | booted | `restarting` lines logged | burst start → app back (ms) | writing the burst took (ms) | longest pause between two writes (ms) |',
    '|---|---|---|---|---|---|---|',
  ];
  for (const row of rows) {
    const s = row.samples;
    const notBack = s.filter((x) => x.settledMs === null).length;
    const back = `${medianSpread(s.map((x) => x.settledMs ?? NaN))}${notBack > 0 ? ` — not back in ${notBack} of ${s.length}` : ''}`;
    const list = (key) => s.map((x) => x[key]).join(', ');
    lines.push(`| ${row.peer.label} | ${list('spawns')} | ${list('booted')} | ${list('logged')} | ${back} | ${medianSpread(pick(s, 'writeMs'))} | ${s.map((x) => fmt(x.maxGapMs)).join(', ')} |`);
  }
  lines.push('');
  for (const row of rows.filter((r) => r.peer.id.startsWith('devreload'))) {
    const counts = pick(row.samples, 'spawns');
    targets.push(target(7, `\`${row.peer.label}\`: a ${files}-file burst → 1 restart`, `${counts.join(', ')} restarts`, held(counts.every((c) => c === 1))));
  }
  return lines;
}
