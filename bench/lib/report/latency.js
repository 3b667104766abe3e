// Restart latency: write → the new instance's first line, minus a cold start of the same
// command; the breakdown of where it went; issue 7's latency targets and issue 12's
// `--prestart` targets (a restart below a cold start).
import { COMMANDS } from '../peers.js';
import { fmt, held, medianSpread, paired, ratio } from '../stats.js';
import { median, NOT_MEASURED, pick, target, unavailableText } from './common.js';

const NOTES = {
  spareLabel: 'spare runtime (experiment)',
  spare: 'The *spare runtime* row is not a supervisor: `node --import spare.js server.js` started ahead of time, parked by ' +
    'the preload before the app loads, then told to go over stdin; timed from “go”, so it shows what a restart ' +
    'that reuses a pre-started runtime would pay instead of a cold start.',
  defaults: 'Defaults as measured: **devreload** stops the app on the first event and starts the new one once the old ' +
    'one is gone *and* no event came for its quiet window (`--delay`, default 30 ms, at least 150 ms once a restart folds 2 or more files; the `--delay 0` row turns the short window off); ' +
    'with **`--prestart`** the new instance is a runtime booted ahead of time and parked before any user code, woken once the old one is gone. ' +
    '**nodemon** restarts on every matching event with no debounce by default (`--delay` unset = 0, so ' +
    '`nodemon --delay 0` is the same as the nodemon row), stops with SIGUSR2 and forks `node server.js`. ' +
    '**node --watch** waits for 200 ms without events (a fixed debounce with no option) before it stops the app with SIGTERM. ' +
    '**tsx watch** watches the modules its child reports, debounces 100 ms, stops the child with SIGTERM and spawns ' +
    '`node --require preflight --import loader src/server.ts` again.',
  tsxCold: '`tsx src/server.ts` cold = tsx’s CLI (one Node start) spawning the app’s Node with its loader, which compiles the TypeScript (esbuild, cached in the temp dir after the first run).',
};

const PRESTART = ['devreloadPrestart', 'devreloadPrestartTsx'];

export function latencySection({ rows, unavailable = [], cold, coldTsx = [], spare }, options, targets) {
  const coldBoot = { node: pick(cold, 'bootMs'), tsx: pick(coldTsx, 'bootMs') };
  const coldListening = { node: pick(cold, 'listeningMs'), tsx: pick(coldTsx, 'listeningMs') };
  const overheadOf = (row) => paired(pick(row.samples, 'bootMs'), coldBoot[row.peer.app]);
  // × devreload: against devreload with its defaults over the same command.
  const reference = Object.fromEntries(rows.filter((r) => r.peer.label === 'devreload').map((r) => [r.peer.app, median(overheadOf(r))]));
  const lines = [
    `### Restart latency (${options.rounds.latency} rounds, interleaved with a cold start of each command each round)`, '',
    'Write → first line of the new instance; “minus cold start” subtracts a cold start (spawn → first line) of ' +
    'the same command taken in the same round: `node server.js`, or for the tsx rows `tsx src/server.ts`. ' +
    'Below zero, a restart beats starting the app from nothing.', '',
    '| supervisor | app command | write → first line | minus a cold start of the same command | × devreload | write → listening | extra restarts per write |',
    '|---|---|---|---|---|---|---|',
  ];
  for (const command of Object.values(COMMANDS)) {
    if (coldBoot[command.id].length === 0) continue;
    lines.push(`| cold start (spawned directly) | ${command.text} | ${medianSpread(coldBoot[command.id])} (spawn → first line) | – | – | ${medianSpread(coldListening[command.id])} (spawn → listening) | – |`);
    for (const row of rows.filter((r) => r.peer.app === command.id)) {
      const overhead = overheadOf(row);
      const extra = pick(row.samples, 'extra').reduce((a, b) => a + b, 0);
      lines.push(`| ${row.peer.label} | ${command.text} | ${medianSpread(pick(row.samples, 'bootMs'))} | ${medianSpread(overhead)} | ${ratio(median(overhead), reference[command.id])} | ${medianSpread(pick(row.samples, 'listeningMs'))} | ${extra} in ${row.samples.length} |`);
    }
    for (const peer of unavailable.filter((p) => p.app === command.id)) {
      lines.push(`| ${peer.label} | ${command.text} | ${unavailableText(peer)} | – | – | – | – |`);
    }
  }
  if (spare !== undefined && spare.length > 0) {
    const overhead = paired(pick(spare, 'bootMs'), coldBoot.node);
    lines.push(`| *${NOTES.spareLabel}* | node server.js | ${medianSpread(pick(spare, 'bootMs'))} (go → first line) | ${medianSpread(overhead)} | – | ${medianSpread(pick(spare, 'listeningMs'))} (go → listening) | – |`);
  }
  lines.push('');
  for (const row of rows.filter((r) => PRESTART.includes(r.peer.id))) {
    const count = (key) => row.samples.filter((s) => s[key]).length;
    lines.push(`\`${row.peer.label} -- ${COMMANDS[row.peer.app].text}\`: a spare was parked before the write in ${count('spareParked')} of ${row.samples.length} restarts ` +
      `(waited for it: ${medianSpread(pick(row.samples, 'spareWaitMs'), 0)} ms; parked = it used no CPU for 100 ms), and the new instance was that spare in ${count('usedSpare')}.`, '');
  }
  lines.push(NOTES.defaults, '', ...(coldTsx.length > 0 ? [NOTES.tsxCold, ''] : []), ...(spare?.length > 0 ? [NOTES.spare, ''] : []),
    'Where the time goes (medians, ms after the write). “Restart logged” is when the supervisor’s ' +
    '`restarting` line reached the bench (event delivery, plus any debounce that comes first, plus a pipe hop); ' +
    'signal and exit are stamped by the old app; “exit → new first line” is the gap between the ' +
    'old app exiting and the new one running, minus the same round’s cold start of the same command: the supervisor’s ' +
    'own part after the stop (noticing the exit, any remaining quiet window, spawning; negative when the runtime was started ahead of time).', '',
    '| supervisor | app command | restart logged | old app got the signal | old app exited | new app’s first line | exit → new first line, minus cold start |',
    '|---|---|---|---|---|---|---|');
  for (const row of rows) {
    const s = row.samples;
    const gap = paired(s.map((x) => x.bootMs - x.exitMs), coldBoot[row.peer.app]);
    lines.push(`| ${row.peer.label} | ${COMMANDS[row.peer.app].text} | ${fmt(median(pick(s, 'noticedMs')))} | ${fmt(median(pick(s, 'signalMs')))} | ${fmt(median(pick(s, 'exitMs')))} | ${fmt(median(pick(s, 'bootMs')))} | ${medianSpread(gap)} |`);
  }
  lines.push('');
  latencyTargets(rows, unavailable, overheadOf, targets);
  return lines;
}

function latencyTargets(rows, unavailable, overheadOf, targets) {
  const byId = Object.fromEntries(rows.map((row) => [row.peer.id, median(overheadOf(row))]));
  if (Number.isFinite(byId.devreload) && Number.isFinite(byId.nodemon)) {
    targets.push(target(22, '`devreload` (defaults): latency overhead ≤ nodemon’s (same run)', `${fmt(byId.devreload)} vs ${fmt(byId.nodemon)} ms`, held(byId.devreload <= byId.nodemon)));
  }
  for (const id of ['devreload', 'devreloadDelay0']) {
    const label = rows.find((row) => row.peer.id === id)?.peer.label;
    if (label === undefined) continue;
    targets.push(target(7, `\`${label}\`: latency overhead ≤ nodemon’s (same run)`, `${fmt(byId[id])} vs ${fmt(byId.nodemon)} ms`, held(byId[id] <= byId.nodemon)));
    targets.push(target(7, `\`${label}\`: latency overhead ≤ 15 ms (median)`, `${fmt(byId[id])} ms`, held(byId[id] <= 15)));
  }
  for (const id of PRESTART) {
    const row = rows.find((r) => r.peer.id === id);
    const peer = row?.peer ?? unavailable.find((p) => p.id === id);
    if (peer === undefined) continue;
    const command = COMMANDS[peer.app].text;
    const text = `\`${peer.label} -- ${command}\`: write → new first line below a cold start of \`${command}\` (median)`;
    if (row === undefined) targets.push(target(12, text, unavailableText(peer), NOT_MEASURED));
    else targets.push(target(12, text, `${fmt(byId[id])} ms vs the cold start`, held(byId[id] < 0)));
  }
}

/** For a run without the latency phase: its issue-12 targets, marked as such. */
export function latencyNotRun(targets) {
  for (const command of Object.values(COMMANDS)) {
    targets.push(target(12, `\`devreload --prestart -- ${command.text}\`: write → new first line below a cold start of \`${command.text}\` (median)`, 'phase not run', '–'));
  }
}
