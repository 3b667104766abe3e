// Footprint: watcher-ready time, memory of every process a supervisor owns, idle CPU, per
// tree; issue 12's memory targets (all devreload processes ≤ nodemon, watchdog ≤ 2 MiB
// private) and issue 7's (RSS ≤ 60 MiB on the 10k tree, idle CPU ≈ 0).
import { fmt, held, medianSpread, ratio } from '../stats.js';
import { cell, median, NOT_MEASURED, pick, target, unavailableText } from './common.js';

const WATCHDOG_PRIVATE_MIB = 2;
const TOTAL_TEXT = (label) => `\`${label}\`: RSS of all its processes ≤ nodemon’s, 5k source tree (medians, same run)`;
const WATCHDOG_TEXT = `devreload’s watchdog: private memory ≤ ${WATCHDOG_PRIVATE_MIB} MiB (max over every launch)`;

export function footprintSection({ trees, idleMs }, options, targets) {
  const selfReported = [];
  const nodemonCounts = [];
  const lines = [
    `### Footprint (${options.rounds.footprint} launches per supervisor and tree, idle CPU over ${idleMs / 1000} s)`, '',
    'Each supervisor watches the whole project (its default) with the tree inside: *source* trees are plain files in ' +
    'folders under `src/lib` (ten per folder, three levels deep), the others mostly `node_modules`. ' +
    '“All its processes” = the supervisor and every descendant that is not the app’s (not the app, nothing below it, ' +
    'nothing in the app’s own session): devreload’s watchdog (`watchdog.sh` under `/bin/sh`, or a Node running ' +
    '`watchdog-main.js`) and, with `--prestart`, its parked spare; RSS added up. Private = USS (Private_Clean + ' +
    'Private_Dirty of `/proc/<pid>/smaps_rollup`), the memory only that process holds, what its exit would free. ' +
    'Peak = VmHWM of the supervisor process. Idle CPU = utime + stime of all its processes over the idle ' +
    'interval, in % of one core. Watcher ready = launch → the line that says the initial scan is over (`watching . ' +
    '(ready in …)` for devreload --verbose, `watching N files` for nodemon --verbose); node --watch has no scan and ' +
    'prints no such line: it watches the modules the app loads, so launch → listening is shown.', '',
    '| tree | supervisor | watcher ready (ms) | RSS, all its processes (MiB) | × nodemon | its processes | supervisor: RSS / peak / private (MiB) | watchdog: RSS / private (MiB) | spare: RSS / private (MiB) | idle CPU (% of a core) | restarts after idling |',
    '|---|---|---|---|---|---|---|---|---|---|---|',
  ];
  const pair = (s, rss, uss) => {
    const values = s.filter((x) => x[rss] !== null);
    return values.length === 0 ? '–' : `${fmt(median(pick(values, rss)))} / ${fmt(median(pick(values, uss)))}`;
  };
  for (const { tree, rows, unavailable = [] } of trees) {
    const nodemon = rows.find((row) => row.peer.id === 'nodemon');
    const reference = nodemon === undefined ? NaN : median(pick(nodemon.samples, 'totalRssMiB'));
    for (const row of rows) {
      const s = row.samples;
      const works = s.filter((x) => x.works).length;
      const readyNote = s[0]?.readyFrom === 'listening' ? ' (listening)' : '';
      lines.push(`| ${tree.label} | ${row.peer.label} | ${medianSpread(pick(s, 'readyMs'), 0)}${readyNote} | ${medianSpread(pick(s, 'totalRssMiB'))} | ` +
        `${ratio(median(pick(s, 'totalRssMiB')), reference)} | ${cell((s[0]?.roles ?? []).join(' + '))} | ` +
        `${fmt(median(pick(s, 'rssMiB')))} / ${fmt(median(pick(s, 'peakMiB')))} / ${fmt(median(pick(s, 'ussMiB')))} | ` +
        `${pair(s, 'watchdogRssMiB', 'watchdogUssMiB')} | ${pair(s, 'spareRssMiB', 'spareUssMiB')} | ${medianSpread(pick(s, 'idleCpuPct'), 2)} | ${works}/${s.length} |`);
    }
    for (const peer of unavailable) lines.push(`| ${tree.label} | ${peer.label} | ${unavailableText(peer)} | – | – | – | – | – | – | – | – |`);
    const counted = nodemon?.samples.map((x) => /watching (\d+) files?/.exec(x.readyLine ?? '')?.[1]).find(Boolean);
    if (counted !== undefined) nodemonCounts.push(`${tree.label}: ${counted}`);
    const devreload = rows.find((row) => row.peer.id === 'devreload');
    const own = devreload === undefined ? [] : pick(devreload.samples, 'selfReportedReadyMs').filter((v) => v !== null);
    if (own.length > 0) selfReported.push(`${tree.label}: ${medianSpread(own, 0)} ms`);
  }
  lines.push('');
  const spares = trees.flatMap(({ rows }) => rows.filter((r) => r.peer.needs === 'prestart').flatMap((r) => r.samples));
  if (spares.length > 0) {
    lines.push(`\`--prestart\` rows: a parked spare was found before idling in ${spares.filter((x) => x.spareParked).length} of ${spares.length} launches.`, '');
  }
  if (selfReported.length > 0) {
    lines.push(`devreload’s own figure for the scan alone (\`ready in N ms\`: watcher created → ready): ${selfReported.join('; ')}.`, '');
  }
  if (nodemonCounts.length > 0) lines.push(`nodemon’s count of files it watches (\`watching N files\`): ${nodemonCounts.join('; ')}.`, '');
  footprintTargets(trees, targets);
  return lines;
}

function footprintTargets(trees, targets) {
  const small = trees.find(({ tree }) => tree.id === '5k-src');
  const nodemon = small?.rows.find((row) => row.peer.id === 'nodemon');
  for (const id of ['devreload', 'devreloadPrestart']) {
    const row = small?.rows.find((r) => r.peer.id === id);
    const peer = row?.peer ?? small?.unavailable.find((p) => p.id === id);
    // The --prestart row matters if a spare becomes the default for Node commands.
    const label = id === 'devreload' ? 'devreload' : 'devreload --prestart';
    const issue = id === 'devreload' ? 12 : '12, if `--prestart` becomes the default';
    if (small === undefined) targets.push(target(issue, TOTAL_TEXT(label), 'the 5k source tree was not measured', '–'));
    else if (row === undefined) targets.push(target(issue, TOTAL_TEXT(label), peer === undefined ? 'not measured' : unavailableText(peer), NOT_MEASURED));
    else {
      const total = median(pick(row.samples, 'totalRssMiB'));
      const theirs = median(pick(nodemon?.samples ?? [], 'totalRssMiB'));
      targets.push(target(issue, TOTAL_TEXT(label), `${fmt(total)} vs ${fmt(theirs)} MiB`, held(total <= theirs)));
    }
  }
  const watchdogs = trees.flatMap(({ rows }) => rows.filter((r) => r.peer.id.startsWith('devreload')).flatMap((r) => pick(r.samples, 'watchdogUssMiB')));
  const found = watchdogs.filter((v) => v !== null);
  if (watchdogs.length === 0) targets.push(target(12, WATCHDOG_TEXT, 'no devreload launch measured', '–'));
  else if (found.length < watchdogs.length) targets.push(target(12, WATCHDOG_TEXT, `no watchdog process found in ${watchdogs.length - found.length} of ${watchdogs.length} launches`, held(false)));
  else targets.push(target(12, WATCHDOG_TEXT, `${fmt(Math.max(...found), 2)} MiB (median ${fmt(median(found), 2)})`, held(Math.max(...found) <= WATCHDOG_PRIVATE_MIB)));

  for (const { tree, rows } of trees) {
    const devreload = rows.find((row) => row.peer.id === 'devreload');
    if (devreload === undefined) continue;
    if (tree.id === '10k') {
      const rss = median(pick(devreload.samples, 'rssMiB'));
      const total = median(pick(devreload.samples, 'totalRssMiB'));
      targets.push(target(7, 'supervisor RSS ≤ 60 MiB on the 10k tree (devreload process)', `${fmt(rss)} MiB`, held(rss <= 60)));
      targets.push(target(7, '… counting its other processes too (RSS added up)', `${fmt(total)} MiB`, held(total <= 60)));
    }
    const cpu = median(pick(devreload.samples, 'idleCpuPct'));
    targets.push(target(7, `idle CPU ≈ 0 on the ${tree.label} tree (≤ 0.5 % of a core)`, `${fmt(cpu, 2)} %`, held(cpu <= 0.5)));
  }
}

/** For a run without the footprint phase: its issue-12 targets, marked as such. */
export function footprintNotRun(targets) {
  targets.push(target(12, TOTAL_TEXT('devreload'), 'phase not run', '–'));
  targets.push(target(12, WATCHDOG_TEXT, 'phase not run', '–'));
}
