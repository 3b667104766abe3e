// Refused connections per restart, with and without `--socket` (issue 7's zero-downtime target).
import { held, medianSpread, ratio } from '../stats.js';
import { median, NOT_MEASURED, pick, target } from './common.js';

export function downtimeSection({ rows }, options, hasSocket, targets) {
  const reference = median(pick(rows[0].samples, 'refused'));
  const lines = [
    `### Refused connections per restart (${options.rounds.downtime} restarts each)`, '',
    'A client on 127.0.0.1 sends requests back to back (one at a time, a new connection each) from ' +
    'before the write until the new instance answers. Gap = last answer from the old instance → ' +
    'first answer from the new one: downtime where connections are refused; with `--socket` the requests ' +
    'made meanwhile wait in the listen backlog instead and are answered by the new instance.', '',
    '| supervisor | refused connections | × devreload | other failed requests | gap between answers (ms) | windows cut by the bound |',
    '|---|---|---|---|---|---|',
  ];
  for (const row of rows) {
    if (row.error) {
      lines.push(`| ${row.peer.label} | failed: ${row.error.replace(/\|/g, '\\|')} | – | – | – | – |`);
      continue;
    }
    const failed = pick(row.samples, 'failed');
    const kinds = [...new Set(row.samples.flatMap((s) => Object.keys(s.errors)))].join(', ');
    const bounded = row.samples.filter((s) => s.bounded).length;
    lines.push(`| ${row.peer.label} | ${medianSpread(pick(row.samples, 'refused'), 0)} | ${ratio(median(pick(row.samples, 'refused')), reference)} | ${medianSpread(failed, 0)}${kinds ? ` (${kinds})` : ''} | ${medianSpread(pick(row.samples, 'downtimeMs'))} | ${bounded} |`);
  }
  const socket = rows.find((row) => row.peer.id === 'devreloadSocket');
  if (!hasSocket) lines.push('| devreload --socket | n/a (no --socket yet) | – | – | – | – |');
  lines.push('');
  if (socket === undefined) {
    targets.push(target(7, '0 refused connections with `--socket`', 'n/a (no --socket yet)', NOT_MEASURED));
  } else if (socket.error) {
    targets.push(target(7, '0 refused connections with `--socket`', `the run failed: ${socket.error.replace(/\|/g, '\\|')}`, held(false)));
  } else {
    const worst = Math.max(...pick(socket.samples, 'refused'));
    targets.push(target(7, '0 refused connections with `--socket`', `max ${worst} over ${socket.samples.length} restarts`, held(worst === 0)));
  }
  return lines;
}
