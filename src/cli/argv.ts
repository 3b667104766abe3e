import { valueTakingFlags, type ValueFlag } from './options.js';

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
  const flags = valueTakingFlags();
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] ?? '';
    if (!arg.startsWith('-') || arg === '-') return { own: argv.slice(0, i), command: argv.slice(i) };
    if (arg.includes('=')) continue;
    if (takesValue(argv, i, flags) !== undefined) i += 1;
  }
  return { own: [...argv], command: [] };
}

/** The value that follows `argv[i]` if that is an option taking one (an optional value only when it looks like a number). */
function takesValue(argv: readonly string[], i: number, flags: Map<string, ValueFlag>): string | undefined {
  const flag = flags.get(argv[i] ?? '');
  const next = argv[i + 1];
  if (flag === undefined || next === undefined) return undefined;
  return flag.value === 'required' || /^\d/.test(next) ? next : undefined;
}

/**
 * Option values exactly as typed. The argument parser underneath turns anything that looks
 * like a number into one (`-w 010` → 10, `--ignore ''` → 0): paths, globs and names must
 * stay strings, so they are read here.
 */
export function rawValues(own: readonly string[]): Map<string, string[]> {
  const flags = valueTakingFlags();
  const values = new Map<string, string[]>();
  const add = (name: string, value: string) => values.set(name, [...(values.get(name) ?? []), value]);
  for (let i = 0; i < own.length; i++) {
    const arg = own[i] ?? '';
    const equals = arg.indexOf('=');
    if (arg.startsWith('-') && equals > 0) {
      const flag = flags.get(arg.slice(0, equals));
      if (flag !== undefined) add(flag.name, arg.slice(equals + 1));
      continue;
    }
    const value = takesValue(own, i, flags);
    const flag = flags.get(arg);
    if (value !== undefined && flag !== undefined) {
      add(flag.name, value);
      i += 1;
    }
  }
  return values;
}
