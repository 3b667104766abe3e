// Turns the phases' raw samples into the markdown report: one table per figure, then the
// targets from issue 7, each printed as held / not held.
import { fmt, held, medianSpread, paired, ratio, summarize } from './stats.js';

const median = (values) => summarize(values).median;

const PEER_NOTES = {
  spareLabel: 'spare runtime (experiment)',
  spare: 'The *spare runtime* row is not a supervisor: `node --import spare.js server.js` started ahead of time, parked by ' +
    'the preload before the app loads, then told to go over stdin; timed from “go”, so it shows what a restart ' +
    'that reuses a pre-started runtime would pay instead of a cold start.',
  defaults: 'Defaults as measured: **devreload** stops the app on the first event and starts the new one once the old ' +
    'one is gone *and* no event came for its quiet window (`--delay`, default 15 ms, at least 150 ms once a restart folds 20 or more files; the `--delay 0` row turns the short window off). ' +
    '**nodemon** restarts on every matching event with no debounce by default (`--delay` unset = 0, so ' +
    '`nodemon --delay 0` is the same as the nodemon row), stops with SIGUSR2 and forks `node server.js`. ' +
    '**node --watch** waits for 200 ms without events (a fixed debounce with no option) before it stops the app with SIGTERM.',
};
const pick = (samples, key) => samples.map((s) => s[key]);

export function renderReport({ machine, options, durationS, results, hasSocket }) {
  const out = [];
  const m = machine;
  out.push('## Result', '');
  out.push(`Measured ${m.date} on ${m.nproc} × ${m.cpu}, ${m.memoryGiB.toFixed(1)} GiB RAM, ${m.kernel}; ` +
    `Node ${m.node}; devreload ${m.devreload} (${m.devreloadCommit}), nodemon ${m.nodemon}. ` +
    `Whole run: ${Math.round(durationS)} s. Load average (1 min) ${m.loadBefore[0].toFixed(2)} at the start, ` +
    `${m.loadavg[0].toFixed(2)} at the end (anything above ~0 is other work sharing the ${m.nproc} cores).`, '');
  out.push('Medians; the spread in brackets is p10–p90 (min–max when there are fewer than 5 samples). ' +
    'Times in ms. Ratios are the peer’s median over devreload’s (defaults).', '');
  const targets = [];
  if (results.latency) out.push(...latencySection(results.latency, options, targets));
  if (results.startup) out.push(...startupSection(results.startup, options));
  if (results.downtime) out.push(...downtimeSection(results.downtime, options, hasSocket, targets));
  else targets.push(['0 refused connections with `--socket`', 'phase not run', '–']);
  if (results.burst) out.push(...burstSection(results.burst, options, targets));
  if (results.footprint) out.push(...footprintSection(results.footprint, options, targets));
  out.push('### Targets (issue 7)', '', '| target | measured | |', '|---|---|---|');
  for (const [target, measured, verdict] of targets) out.push(`| ${target} | ${measured} | ${verdict} |`);
  out.push('');
  return `${out.join('\n')}\n`;
}

function latencySection({ rows, cold, spare }, options, targets) {
  const coldBoot = pick(cold, 'bootMs');
  const overheadOf = (row) => paired(pick(row.samples, 'bootMs'), coldBoot);
  const reference = median(overheadOf(rows[0]));
  const lines = [
    `### Restart latency (${options.rounds.latency} rounds, interleaved with a cold start each round)`, '',
    'Overhead = write → first line of the new instance, minus a cold start (spawn → first line) of ' +
    '`node server.js` taken in the same round.', '',
    '| supervisor | write → first line | overhead over cold start | × devreload | write → listening | extra restarts per write |',
    '|---|---|---|---|---|---|',
    `| cold start (spawned directly) | ${medianSpread(coldBoot)} (spawn → first line) | – | – | ${medianSpread(pick(cold, 'listeningMs'))} (spawn → listening) | – |`,
  ];
  for (const row of rows) {
    const overhead = overheadOf(row);
    const extra = pick(row.samples, 'extra').reduce((a, b) => a + b, 0);
    lines.push(`| ${row.peer.label} | ${medianSpread(pick(row.samples, 'bootMs'))} | ${medianSpread(overhead)} | ${ratio(median(overhead), reference)} | ${medianSpread(pick(row.samples, 'listeningMs'))} | ${extra} in ${row.samples.length} |`);
  }
  if (spare !== undefined && spare.length > 0) {
    const overhead = paired(pick(spare, 'bootMs'), coldBoot);
    lines.push(`| *${PEER_NOTES.spareLabel}* | ${medianSpread(pick(spare, 'bootMs'))} (go → first line) | ${medianSpread(overhead)} | – | ${medianSpread(pick(spare, 'listeningMs'))} (go → listening) | – |`);
  }
  lines.push('', PEER_NOTES.defaults, ...(spare?.length > 0 ? ['', PEER_NOTES.spare] : []), '',
    'Where the time goes (medians, ms after the write). “Restart logged” is when the supervisor’s ' +
    '`restarting` line reached the bench (event delivery, plus any debounce that comes first, plus a pipe hop); ' +
    'signal and exit are stamped by the old app; “exit → new first line” is the gap between the ' +
    'old app exiting and the new one running, minus the same round’s cold start: the supervisor’s ' +
    'own part after the stop (noticing the exit, any remaining quiet window, spawning).', '',
    '| supervisor | restart logged | old app got the signal | old app exited | new app’s first line | exit → new first line, minus cold start |',
    '|---|---|---|---|---|---|');
  for (const row of rows) {
    const s = row.samples;
    const gap = paired(s.map((x) => x.bootMs - x.exitMs), coldBoot);
    lines.push(`| ${row.peer.label} | ${fmt(median(pick(s, 'noticedMs')))} | ${fmt(median(pick(s, 'signalMs')))} | ${fmt(median(pick(s, 'exitMs')))} | ${fmt(median(pick(s, 'bootMs')))} | ${medianSpread(gap)} |`);
  }
  lines.push('');
  const byId = Object.fromEntries(rows.map((row) => [row.peer.id, median(overheadOf(row))]));
  for (const id of ['devreload', 'devreloadDelay0']) {
    const label = rows.find((row) => row.peer.id === id)?.peer.label;
    if (label === undefined) continue;
    targets.push([`\`${label}\`: latency overhead ≤ nodemon’s (same run)`, `${fmt(byId[id])} vs ${fmt(byId.nodemon)} ms`, held(byId[id] <= byId.nodemon)]);
    targets.push([`\`${label}\`: latency overhead ≤ 15 ms (median)`, `${fmt(byId[id])} ms`, held(byId[id] <= 15)]);
  }
  return lines;
}

function startupSection({ peers, samples }, options) {
  const cold = samples.get('cold');
  const coldBoot = pick(cold, 'bootMs');
  const supervisors = peers.filter((peer) => peer.id !== 'cold');
  const reference = median(paired(pick(samples.get(supervisors[0].id), 'bootMs'), coldBoot));
  const lines = [
    `### Start-up (${options.rounds.startup} launches each, interleaved)`, '',
    '| supervisor | launch → first line of the app | overhead over cold start | × devreload | launch → listening | launch → watcher-ready line |',
    '|---|---|---|---|---|---|',
    `| cold start (spawned directly) | ${medianSpread(coldBoot)} | – | – | ${medianSpread(pick(cold, 'listeningMs'))} | – |`,
  ];
  for (const peer of supervisors) {
    const rows = samples.get(peer.id);
    // Rounds are interleaved, so the i-th launch of each pairs with the i-th cold start.
    const overhead = paired(pick(rows, 'bootMs'), coldBoot);
    const ready = rows.some((r) => r.readyMs !== null) ? medianSpread(pick(rows, 'readyMs')) : 'prints none';
    lines.push(`| ${peer.label} | ${medianSpread(pick(rows, 'bootMs'))} | ${medianSpread(overhead)} | ${ratio(median(overhead), reference)} | ${medianSpread(pick(rows, 'listeningMs'))} | ${ready} |`);
  }
  lines.push('');
  return lines;
}

function downtimeSection({ rows }, options, hasSocket, targets) {
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
    targets.push(['0 refused connections with `--socket`', 'n/a (no --socket yet)', '**not measured**']);
  } else if (socket.error) {
    targets.push(['0 refused connections with `--socket`', `the run failed: ${socket.error.replace(/\|/g, '\\|')}`, held(false)]);
  } else {
    const worst = Math.max(...pick(socket.samples, 'refused'));
    targets.push(['0 refused connections with `--socket`', `max ${worst} over ${socket.samples.length} restarts`, held(worst === 0)]);
  }
  return lines;
}

function burstSection({ rows, files, maxMs }, options, targets) {
  const lines = [
    `### ${files}-file burst (${options.rounds.burst} bursts each)`, '',
    `All ${files} files are rewritten back to back; every one is imported by the app (so node --watch sees them too). ` +
    'Back = burst start → the last new instance listening, once the supervisor has printed nothing and ' +
    `started nothing for 2 s (given up after ${maxMs / 1000} s).`, '',
    'Restarts = new instances the supervisor says it started (`restarted in` for devreload, `starting` for ' +
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
    targets.push([`\`${row.peer.label}\`: a ${files}-file burst → 1 restart`, `${counts.join(', ')} restarts`, held(counts.every((c) => c === 1))]);
  }
  return lines;
}

function footprintSection({ trees, idleMs }, options, targets) {
  const selfReported = [];
  const nodemonCounts = [];
  const lines = [
    `### Footprint (${options.rounds.footprint} launches per supervisor and tree, idle CPU over ${idleMs / 1000} s)`, '',
    'Each supervisor watches the whole project (its default) with the tree inside. RSS = VmRSS of the ' +
    'supervisor process after start-up; peak = VmHWM; private = USS, the memory only that process holds ' +
    '(RSS minus pages shared with other processes, e.g. the node binary: what its exit would free); ' +
    'helpers = the supervisor’s other processes (devreload’s watchdog), RSS / private. ' +
    'Idle CPU = utime + stime of supervisor and helpers over the idle interval, in % of one core. ' +
    'Watcher ready = launch → the line that says the initial scan is over (`watching . (ready in …)` for ' +
    'devreload --verbose, `watching N files` for nodemon --verbose); node --watch has no scan and prints ' +
    'no such line: it watches the modules the app loads, so launch → listening is shown.', '',
    '| tree | supervisor | watcher ready (ms) | RSS (MiB) | × devreload | peak RSS (MiB) | private (MiB) | helpers: RSS / private (MiB) | idle CPU (% of a core) | restarts after idling |',
    '|---|---|---|---|---|---|---|---|---|---|',
  ];
  for (const { tree, rows } of trees) {
    const reference = median(pick(rows[0].samples, 'rssMiB'));
    for (const row of rows) {
      const s = row.samples;
      const works = s.filter((x) => x.works).length;
      const readyNote = s[0]?.readyFrom === 'listening' ? ' (listening)' : '';
      lines.push(`| ${tree.name} | ${row.peer.label} | ${medianSpread(pick(s, 'readyMs'), 0)}${readyNote} | ${medianSpread(pick(s, 'rssMiB'))} | ` +
        `${ratio(median(pick(s, 'rssMiB')), reference)} | ${medianSpread(pick(s, 'peakMiB'))} | ${medianSpread(pick(s, 'ussMiB'))} | ${fmt(median(pick(s, 'helperRssMiB')))} / ${fmt(median(pick(s, 'helperUssMiB')))} | ` +
        `${medianSpread(pick(s, 'idleCpuPct'), 2)} | ${works}/${s.length} |`);
    }
    const nodemon = rows.find((row) => row.peer.id === 'nodemon');
    const counted = nodemon?.samples.map((x) => /watching (\d+) files?/.exec(x.readyLine ?? '')?.[1]).find(Boolean);
    if (counted !== undefined) nodemonCounts.push(`${tree.name}: ${counted}`);
    const devreload = rows.find((row) => row.peer.id === 'devreload');
    if (devreload === undefined) continue;
    const own = pick(devreload.samples, 'selfReportedReadyMs').filter((v) => v !== null);
    if (own.length > 0) selfReported.push(`${tree.name}: ${medianSpread(own, 0)} ms`);
    const rss = median(pick(devreload.samples, 'rssMiB'));
    const total = median(devreload.samples.map((x) => x.rssMiB + x.helperRssMiB));
    const cpu = median(pick(devreload.samples, 'idleCpuPct'));
    if (tree.name === '10k') {
      targets.push(['supervisor RSS ≤ 60 MiB on the 10k tree (devreload process)', `${fmt(rss)} MiB`, held(rss <= 60)]);
      targets.push(['… counting its watchdog process too (RSS added up)', `${fmt(total)} MiB`, held(total <= 60)]);
    }
    targets.push([`idle CPU ≈ 0 on the ${tree.name} tree (≤ 0.5 % of a core)`, `${fmt(cpu, 2)} %`, held(cpu <= 0.5)]);
  }
  lines.push('');
  if (selfReported.length > 0) {
    lines.push(`devreload’s own figure for the scan alone (\`ready in N ms\`: watcher created → ready): ${selfReported.join('; ')}.`, '');
  }
  if (nodemonCounts.length > 0) lines.push(`nodemon’s count of files it watches (\`watching N files\`): ${nodemonCounts.join('; ')}.`, '');
  return lines;
}
