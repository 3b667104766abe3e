import { valueTakingFlags } from './options.js';

export interface SplitArgv {
  /** devreload's own options. */
  readonly own: readonly string[];
  /** The app's command line, untouched; empty when none was given. */
  readonly command: readonly string[];
}

/**
 * Separates devreload's options from the app's command line. With `--`, everything after it is
 * the app's. Without it, the first argument that is not an option (or an option's value) starts
 * the command, as with `env` or `nice`: `devreload -w src node server.js --port 3000` runs
 * `node server.js --port 3000`, whose flags are never taken for devreload's.
 */
export function splitArgv(argv: readonly string[]): SplitArgv {
  const dashes = argv.indexOf('--');
  if (dashes !== -1) return { own: argv.slice(0, dashes), command: argv.slice(dashes + 1) };
  const takesValue = valueTakingFlags();
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] ?? '';
    if (!arg.startsWith('-') || arg === '-') return { own: argv.slice(0, i), command: argv.slice(i) };
    if (arg.includes('=')) continue;
    const kind = takesValue.get(arg);
    const next = argv[i + 1];
    if (kind === 'required' || (kind === 'optional' && next !== undefined && /^\d/.test(next))) i += 1;
  }
  return { own: [...argv], command: [] };
}
