import { DevreloadError } from '../errors.js';
import { valueTakingFlags, type ValueFlag } from './options.js';

export interface SplitArgv {
  /** devreload's option values exactly as typed, by the option's camelCase name, in order. */
  readonly values: Map<string, string[]>;
  /** How each option with a value was last spelled (`-C` or `--cwd`), by its camelCase name. */
  readonly spellings: Map<string, string>;
  /** devreload's other arguments (switches, unknown options, stray arguments), for cac. */
  readonly flags: readonly string[];
  /** The app's command line, untouched; empty when none was given. */
  readonly command: readonly string[];
}

/**
 * Separates devreload's arguments from the app's command line, and takes its options' values
 * out as typed.
 *
 * The command: with `--`, everything after it is the app's (and everything before it
 * devreload's, so `--quiet yes -- node x` is an error, not a run of `yes`). Without it, the
 * first argument that is not an option (or an option's value) starts the command, as with
 * `env` or `nice`: `devreload -w src node server.js --port 3000` runs `node server.js --port
 * 3000`, whose flags are never taken for devreload's.
 *
 * The values: cac hands its parser (mri) no list of string options, so mri turns any value
 * that looks like a number into one before cac's own `type` can keep it a string (`-w 010` →
 * 10, `--ignore 1e3` → 1000, `--ignore ''` → 0), reads `-5` as an option of its own, and
 * gives a value-taking option without a value as `true`. Paths, globs and names must arrive
 * as typed, so they are read here, and a missing or empty one is a DevreloadError naming the
 * option. cac parses the rest.
 */
export function splitArgv(argv: readonly string[]): SplitArgv {
  const dashes = argv.indexOf('--');
  const own = dashes === -1 ? argv : argv.slice(0, dashes);
  const known = valueTakingFlags();
  const values = new Map<string, string[]>();
  const spellings = new Map<string, string>();
  const flags: string[] = [];
  for (let i = 0; i < own.length; i++) {
    const arg = own[i] ?? '';
    if (dashes === -1 && (!arg.startsWith('-') || arg === '-')) return { values, spellings, flags, command: argv.slice(i) };
    const found = valueAt(own, i, known);
    if (found.kind === 'none') {
      flags.push(arg);
      continue;
    }
    const typed = found.kind === 'value' ? found.typed : arg;
    if (found.kind === 'missing') {
      const after = found.next === undefined ? '' : ` (${found.next} is an option)`;
      throw new DevreloadError(`${shown(typed, found.flag)}: the value is missing${after}; expected ${found.flag.expects}${typed === '-C' ? nodemonC : ' (see devreload --help)'}`);
    }
    if (found.value.trim() === '') throw new DevreloadError(`${shown(typed, found.flag)}: the value is empty; expected ${found.flag.expects}`);
    values.set(found.flag.name, [...(values.get(found.flag.name) ?? []), found.value]);
    spellings.set(found.flag.name, typed);
    i += found.width - 1;
  }
  return { values, spellings, flags, command: dashes === -1 ? [] : argv.slice(dashes + 1) };
}

/** `-C` is `--cwd` here (as in git and make); nodemon's `-C` is its `--on-change-only`. */
export const nodemonC = " — did you mean --postpone (nodemon's -C: start only after a change)?";

/** What an argument is as far as values go; `width` counts the arguments it spans (`--delay=5`: 1, `--delay 5`: 2). */
type ValueAt =
  | { readonly kind: 'none' }
  | { readonly kind: 'value'; readonly flag: ValueFlag; readonly typed: string; readonly value: string; readonly width: 1 | 2 }
  | { readonly kind: 'missing'; readonly flag: ValueFlag; readonly next: string | undefined };

/**
 * The value of the option at `own[i]`, if it takes one. A required value is missing when
 * nothing follows (`--socket --`: the `--` ended devreload's options) or an option follows
 * (`--watch --verbose`); a negative number is a value, so that its validator can say why it is
 * wrong (`--kill-timeout -5`). An optional value (`--poll [ms]`) is only taken when it looks
 * like a number.
 */
function valueAt(own: readonly string[], i: number, flags: Map<string, ValueFlag>): ValueAt {
  const arg = own[i] ?? '';
  const equals = arg.indexOf('=');
  if (arg.startsWith('-') && equals > 0) {
    const flag = flags.get(arg.slice(0, equals));
    return flag === undefined ? { kind: 'none' } : { kind: 'value', flag, typed: arg.slice(0, equals), value: arg.slice(equals + 1), width: 1 };
  }
  // A short option's value may be attached, as getopt allows: `-d500`, `-wsrc`.
  const short = /^-[A-Za-z]/.test(arg) && arg.length > 2 ? flags.get(arg.slice(0, 2)) : undefined;
  if (short !== undefined && short.value !== 'optional') return { kind: 'value', flag: short, typed: arg.slice(0, 2), value: arg.slice(2), width: 1 };
  const flag = flags.get(arg);
  if (flag === undefined) return { kind: 'none' };
  const next = own[i + 1];
  if (flag.value === 'optional') return next !== undefined && flag.takes.test(next) ? { kind: 'value', flag, typed: arg, value: next, width: 2 } : { kind: 'none' };
  if (next === undefined || looksLikeOption(next)) return { kind: 'missing', flag, next };
  return { kind: 'value', flag, typed: arg, value: next, width: 2 };
}

function looksLikeOption(arg: string): boolean {
  return arg.startsWith('-') && arg !== '-' && !/^-\.?\d/.test(arg);
}

/** `--watch`, or `-e (--ext)` for a short spelling. */
function shown(typed: string, flag: ValueFlag): string {
  return typed === flag.long ? typed : `${typed} (${flag.long})`;
}
