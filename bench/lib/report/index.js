// Turns the phases' raw samples into the markdown report: one section per figure (each in
// its own file), then every target of issues 23, 22, 21, 15, 12 and 7, printed as held / not
// held, or why it was not measured (a phase not run, an option the devreload under test does not
// have yet).
import { appsNotRun, appsSection } from './apps.js';
import { burstSection } from './burst.js';
import { cell, target } from './common.js';
import { held } from '../stats.js';
import { downtimeSection } from './downtime.js';
import { footprintNotRun, footprintSection } from './footprint.js';
import { latencyNotRun, latencySection } from './latency.js';
import { proxySection } from './proxy.js';
import { scriptBurstSection } from './script-burst.js';
import { startupNotRun, startupSection } from './startup.js';

export function renderReport({ machine, options, durationS, results, hasSocket, features = {} }) {
  const out = [];
  const m = machine;
  const yesNo = (name) => `\`--${name}\` ${features[name] ? 'available' : 'not available'}`;
  out.push('## Result', '');
  out.push(`Measured ${m.date} on ${m.nproc} × ${m.cpu}, ${m.memoryGiB.toFixed(1)} GiB RAM, ${m.kernel}; ` +
    `Node ${m.node}; devreload ${m.devreload} (${m.devreloadCommit}; ${yesNo('socket')}, ${yesNo('prestart')}), nodemon ${m.nodemon}, tsx ${m.tsx}. ` +
    `Whole run: ${Math.round(durationS)} s. Load average (1 min) ${m.loadBefore[0].toFixed(2)} at the start, ` +
    `${m.loadavg[0].toFixed(2)} at the end (anything above ~0 is other work sharing the ${m.nproc} cores).`, '');
  out.push('Medians; the spread in brackets is p10–p90 (min–max when there are fewer than 5 samples). ' +
    'Times in ms. Ratios are the peer’s median over devreload’s (defaults, same command) unless the column says otherwise.', '');
  const targets = [];
  if (results.latency) out.push(...latencySection(results.latency, options, targets));
  else latencyNotRun(targets);
  if (results.startup) out.push(...startupSection(results.startup, options, targets));
  else startupNotRun(targets);
  if (results.downtime) out.push(...downtimeSection(results.downtime, options, hasSocket, targets));
  else targets.push(target(7, '0 refused connections with `--socket`', 'phase not run', '–'));
  if (results.proxy) out.push(...proxySection(results.proxy, options, targets));
  if (results.burst) out.push(...burstSection(results.burst, options, targets));
  if (results.scripts) out.push(...scriptBurstSection(results.scripts, options, targets));
  if (results.footprint) out.push(...footprintSection(results.footprint, options, targets));
  else footprintNotRun(targets);
  if (results.apps) out.push(...appsSection(results.apps, options, targets));
  else appsNotRun(targets);
  targets.push(burstTarget(results));
  // The newest issue first; within an issue, in the order of the sections above.
  const ordered = [...targets].sort((a, b) => Number(String(b.issue).slice(0, 2)) - Number(String(a.issue).slice(0, 2)));
  out.push('### Targets (issues 23, 22, 21, 15, 12 and 7)', '', '| issue | target | measured | |', '|---|---|---|---|');
  for (const { issue, text, measured, verdict } of ordered) out.push(`| ${cell(issue)} | ${text} | ${measured} | ${verdict} |`);
  out.push('');
  return `${out.join('\n')}\n`;
}

/** Issue 22: the defaults keep one restart per burst, in the 500-file table and for the 25-file touch loop. */
function burstTarget(results) {
  const text = '`devreload` (defaults): one restart per burst, 500 files and 25 files written by a touch loop (every round)';
  const burst = results.burst?.rows.find((row) => row.peer.id === 'devreload')?.samples.map((s) => s.spawns);
  const touch = results.scripts?.samples.touch?.map((s) => s.spawns);
  if (burst === undefined || touch === undefined) return target(22, text, 'burst or scripts phase not run', '–');
  return target(22, text, `${burst.join(', ')}; ${touch.join(', ')} restarts`, held([...burst, ...touch].every((count) => count === 1)));
}
