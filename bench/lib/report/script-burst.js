// Issue 15: 25-file bursts written one process per write, and the single save measured in the
// same rounds (the latency a longer quiet window would cost).
import { held, medianSpread } from '../stats.js';
import { pick, target } from './common.js';
import { WRITERS } from '../../phases/script-burst.js';

export function scriptBurstSection({ peer, reference, files, samples }, options, targets) {
  const rounds = options.rounds.scripts;
  const lines = [
    `### Bursts written by scripts, one process per write (${peer.label}, ${rounds} rounds)`, '',
    `Each round: one save of the watched module, then ${files} files (all imported by the app) rewritten by each writer below, ` +
    'one process per file. Restarts = `restarted in` and `ready in` lines after the burst began; back = burst start → the last new instance ' +
    'listening, once nothing was printed or started for 2 s.', '',
    '| what was written | restarts | booted | burst start → app back (ms) | writing took (ms) |',
    '|---|---|---|---|---|',
  ];
  for (const writer of WRITERS) {
    const s = samples[writer.id];
    lines.push(`| ${writer.label} | ${pick(s, 'spawns').join(', ')} | ${pick(s, 'booted').join(', ')} | ${medianSpread(pick(s, 'settledMs'))} | ${medianSpread(pick(s, 'writeMs'))} |`);
    targets.push(target(15, `\`${peer.label}\`: ${files} files written by ${writer.id}, one process each → 1 restart`, `${pick(s, 'spawns').join(', ')} restarts`, held(s.every((x) => x.spawns === 1))));
  }
  const extra = (rows) => pick(rows, 'extra').reduce((a, b) => a + b, 0);
  lines.push('', 'Single saves, the two rows interleaved round by round (the `--delay 15` row is the quiet window devreload had before):', '',
    '| single save | write → first line of the new instance (ms) | extra restarts |', '|---|---|---|');
  lines.push(`| ${peer.label} | ${medianSpread(pick(samples.single, 'bootMs'))} | ${extra(samples.single)} in ${samples.single.length} |`);
  if (reference !== undefined) lines.push(`| ${reference.label} | ${medianSpread(pick(samples.singleReference, 'bootMs'))} | ${extra(samples.singleReference)} in ${samples.singleReference.length} |`);
  lines.push('');
  return lines;
}
