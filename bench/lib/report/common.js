// What every section of the report shares: sample access, the target rows, "not available".
import { summarize } from '../stats.js';

export const median = (values) => summarize(values).median;
export const pick = (samples, key) => samples.map((s) => s[key]);
export const sum = (values) => values.reduce((a, b) => a + b, 0);

export const NOT_MEASURED = '**not measured**';

/** One row of the targets table: the issue that set it, what it asks, what was measured. */
export const target = (issue, text, measured, verdict) => ({ issue, text, measured, verdict });

/** For a row whose devreload option the build under test does not have yet. */
export const unavailableText = (peer) => {
  if (peer.needs === 'node24') return 'not available (Node 24 could not be installed from the npm registry)';
  if (peer.needs === 'prestartRuntime') return 'not available (devreload does not accept `--prestart=runtime` yet)';
  return `not available (\`devreload --help\` lists no \`--${peer.needs}\`)`;
};

/** Markdown-safe one-line text. */
export const cell = (text) => String(text).replace(/\|/g, '\\|');
