// Issue 22: real apps, write → listening and → serving against each app's cold start; the
// `--prestart` targets; the spare's memory with the app's dependencies (warm) or without.
import { fmt, held, medianSpread } from '../stats.js';
import { cell, median, NOT_MEASURED, pick, target, unavailableText } from './common.js';

const percent = (value, reference) => (Number.isFinite(value) && Number.isFinite(reference) && reference > 0 ? `${Math.round((value / reference) * 100)} %` : '–');

export function appsSection({ apps, versions }, options, targets) {
  const lines = [
    `### Real apps (${options.rounds.apps} rounds, interleaved with a cold start of each app each round)`, '',
    'Each app runs in its own temp project, its dependencies installed from npm into a cache folder and linked in ' +
    `(${Object.entries(versions).map(([name, version]) => `${name} ${version}`).join(', ')}). ` +
    'Write → listening: the new instance’s own stamp once its server accepts (Node: `listen`’s callback; uvicorn: its ' +
    '“Uvicorn running on” line). Write → serving: the first answer to `GET /` with the version just written ' +
    '(one request at a time, 2 ms apart). The cold start is the same command spawned directly: spawn → listening, ' +
    'spawn → serving. “% of cold” = the median over the cold start’s median.', '',
    '| app | supervisor | write → listening | % of cold | write → serving | % of cold | extra restarts |',
    '|---|---|---|---|---|---|---|',
  ];
  const notes = [];
  const spares = [];
  for (const result of apps) {
    const { app } = result;
    if (result.skipped !== undefined) {
      lines.push(`| ${app.label} | – | skipped: ${cell(result.skipped)} | – | – | – | – |`);
      continue;
    }
    const cold = { listening: median(pick(result.cold, 'listeningMs')), serving: median(pick(result.cold, 'servingMs')) };
    lines.push(`| ${app.label} (\`${app.text}\`) | cold start | ${medianSpread(pick(result.cold, 'listeningMs'))} (spawn →) | – | ${medianSpread(pick(result.cold, 'servingMs'))} (spawn →) | – | – |`);
    for (const peer of app.peers) {
      const row = result.rows.find((r) => r.peer.id === peer.id);
      if (row === undefined) {
        if (result.unavailable.includes(peer)) lines.push(`| ${app.label} | ${peer.label} | ${unavailableText(peer)} | – | – | – | – |`);
        continue;
      }
      const s = row.samples;
      const extra = pick(s, 'extra').reduce((a, b) => a + b, 0);
      lines.push(`| ${app.label} | ${row.peer.label} | ${medianSpread(pick(s, 'listeningMs'))} | ${percent(median(pick(s, 'listeningMs')), cold.listening)} | ` +
        `${medianSpread(pick(s, 'servingMs'))} | ${percent(median(pick(s, 'servingMs')), cold.serving)} | ${extra} in ${s.length} |`);
      if (row.notApplied !== null) notes.push(`\`${row.peer.label}\` over ${app.label}: ${row.notApplied}`);
      if (row.peer.spare) {
        const parked = s.filter((x) => x.spareParked).length;
        const used = s.filter((x) => x.usedSpare).length;
        notes.push(`\`${row.peer.label}\` over ${app.label}: a spare was parked before the write in ${parked} of ${s.length} restarts, and the new instance was that spare in ${used}.`);
        spares.push({ app, row });
      }
    }
    appTargets(app, result, cold, targets);
  }
  lines.push('', ...notes.flatMap((note) => [note, '']));
  lines.push('Spare footprint (the parked spare after the rounds; with warm dependencies it holds them loaded): RSS / private (MiB).', '',
    '| app | supervisor | spare: RSS / private (MiB) |', '|---|---|---|');
  for (const { app, row } of spares) {
    const m = row.spareMemory;
    lines.push(`| ${app.label} | ${row.peer.label} | ${m === null ? 'no spare parked' : `${fmt(m.rssMiB)} / ${fmt(m.ussMiB)}`} |`);
  }
  lines.push('');
  return lines;
}

function appTargets(app, result, cold, targets) {
  if (app.target === undefined) return;
  const { peer: id, of, maxPct } = app.target;
  const text = `\`devreload --prestart\` over ${app.label}: write → ${of} ≤ ${maxPct} % of its cold start (spawn → ${of}; medians)`;
  const row = result.rows.find((r) => r.peer.id === id);
  if (row === undefined) {
    const peer = result.unavailable.find((p) => p.id === id);
    targets.push(target(22, text, peer === undefined ? 'not measured' : unavailableText(peer), NOT_MEASURED));
    return;
  }
  const value = median(pick(row.samples, `${of}Ms`));
  const pct = (value / cold[of]) * 100;
  const note = row.notApplied === null ? '' : ' (--prestart did not apply)';
  targets.push(target(22, text, `${fmt(value)} vs ${fmt(cold[of])} ms: ${Number.isFinite(pct) ? Math.round(pct) : '–'} %${note}`, held(pct <= maxPct)));
}

/** For a run without the apps phase: its targets, marked as such. */
export function appsNotRun(targets) {
  targets.push(target(22, '`devreload --prestart` over the real apps (Express ≤ 25 %, Fastify ≤ 50 %, Starlette ≤ 100 % of a cold start)', 'phase not run', '–'));
}
