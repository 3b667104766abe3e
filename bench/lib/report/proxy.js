// `devreload --proxy` (issue 23): refused connections per restart through the proxy, and the
// time from a write to the page showing the new content in a real browser.
import { held, medianSpread } from '../stats.js';
import { NOT_MEASURED, pick, target } from './common.js';

export function proxySection({ refused, browser }, options, targets) {
  const lines = [`### Through the dev proxy (\`devreload --proxy\`)`, ''];
  lines.push(
    `Refused connections per restart (${options.rounds.downtime} restarts), as in the section above but through the proxy: ` +
      'from the stop until the new instance accepts, requests wait in the proxy instead of being refused.', '',
    '| supervisor | refused connections | other failed requests | gap between answers (ms) | windows cut by the bound |',
    '|---|---|---|---|---|',
  );
  if (refused.error) {
    lines.push(`| devreload --proxy | failed: ${refused.error.replace(/\|/g, '\\|')} | – | – | – |`);
    targets.push(target(23, '0 refused connections with `--proxy`', `the run failed: ${refused.error.replace(/\|/g, '\\|')}`, held(false)));
  } else {
    const kinds = [...new Set(refused.samples.flatMap((s) => Object.keys(s.errors)))].join(', ');
    const bounded = refused.samples.filter((s) => s.bounded).length;
    lines.push(`| devreload --proxy | ${medianSpread(pick(refused.samples, 'refused'), 0)} | ${medianSpread(pick(refused.samples, 'failed'), 0)}${kinds ? ` (${kinds})` : ''} | ${medianSpread(pick(refused.samples, 'gapMs'))} | ${bounded} |`);
    const worst = Math.max(...refused.samples.map((s) => s.refused + s.failed));
    targets.push(target(23, '0 refused (or failed) connections with `--proxy`', `max ${worst} over ${refused.samples.length} restarts`, held(worst === 0)));
  }
  lines.push('');
  lines.push(
    `Write → the page shows the new content (${options.rounds.latency} writes): a headless chromium has the page open ` +
      'through the proxy; timed from the write to the `load` event of the reload the injected client made. ' +
      '"→ listening": the new instance accepts; "listening → load": the proxy noticing, the page told, reloaded and loaded.', '',
    '| supervisor | write → page loaded (ms) | write → listening (ms) | listening → load (ms) |',
    '|---|---|---|---|',
  );
  if (browser.error) {
    lines.push(`| devreload --proxy | failed: ${browser.error.replace(/\|/g, '\\|')} | – | – |`);
    targets.push(target(23, 'the page shows new code with no interaction', browser.error.replace(/\|/g, '\\|'), NOT_MEASURED));
  } else {
    const s = browser.samples;
    lines.push(`| devreload --proxy | ${medianSpread(pick(s, 'writeToLoadMs'))} | ${medianSpread(pick(s, 'writeToListeningMs'))} | ${medianSpread(pick(s, 'listeningToLoadMs'))} |`);
    targets.push(target(23, 'the page shows new code with no interaction, never before the new instance listens', `${s.length}/${s.length} reloads; min listening → load ${Math.min(...pick(s, 'listeningToLoadMs')).toFixed(1)} ms`, held(s.every((x) => x.listeningToLoadMs >= 0))));
  }
  lines.push('');
  return lines;
}
