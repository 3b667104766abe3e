import { DevreloadError } from '../errors.js';
import { closest } from './did-you-mean.js';

/**
 * The keys a config file and the API accept, with the type each expects (as the error says
 * it). One table for both, so that a key the config file rejects is rejected by
 * `createReloader` too, in the same words: a misspelled option that silently does nothing is
 * the bug devreload exists to prevent (uvicorn #426).
 */
interface KeySpec {
  readonly expects: string;
  readonly accepts: (value: unknown) => boolean;
  /** Where the key is known: both, a config file only, or the API only. */
  readonly in?: 'file' | 'api';
  /** What the API expects instead, where that differs. */
  readonly api?: { readonly expects: string; readonly accepts: (value: unknown) => boolean };
}

const isString = (v: unknown) => typeof v === 'string';
const isBoolean = (v: unknown) => typeof v === 'boolean';
const isNumber = (v: unknown) => typeof v === 'number';
const oneOrMany = (item: (v: unknown) => boolean) => (v: unknown) => item(v) || (Array.isArray(v) && v.every(item));
const either =
  (...checks: ReadonlyArray<(v: unknown) => boolean>) =>
  (v: unknown) =>
    checks.some((check) => check(v));
const isStringMap = (allowUndefined: boolean) => (v: unknown) =>
  typeof v === 'object' && v !== null && !Array.isArray(v) && Object.values(v).every((x) => typeof x === 'string' || (allowUndefined && x === undefined));

export const optionKeys = {
  command: { expects: 'a string (the program to run)', accepts: isString },
  args: { expects: 'an array of strings', accepts: (v) => Array.isArray(v) && v.every(isString) },
  exec: { expects: 'a string (a command line for sh -c, e.g. "node server.js --port 3000")', accepts: isString },
  watch: { expects: 'a path or an array of paths', accepts: oneOrMany(isString) },
  ext: { expects: 'a string like "ts,js" or an array of extensions', accepts: oneOrMany(isString) },
  ignore: { expects: 'a glob or an array of globs', accepts: oneOrMany(isString) },
  gitignore: { expects: 'true or false', accepts: isBoolean },
  workspaces: { expects: 'true or false', accepts: isBoolean },
  poll: { expects: 'true, false or a number of milliseconds', accepts: either(isBoolean, isNumber, isString) },
  delay: { expects: 'a number of milliseconds or a duration like "500ms"', accepts: either(isNumber, isString) },
  signal: { expects: 'a signal name like "SIGTERM"', accepts: either(isString, isNumber) },
  killTimeout: { expects: 'a number of milliseconds or a duration like "5s"', accepts: either(isNumber, isString) },
  onExit: { expects: '"wait", "restart" or "quit"', accepts: isString },
  socket: { expects: 'a [host:]port or an array of them', accepts: oneOrMany(either(isString, isNumber)) },
  ready: { expects: 'a port, a URL or a "/regex/"', accepts: either(isString, isNumber) },
  prestart: { expects: 'true, false, "runtime" or "warm"', accepts: (v: unknown) => isBoolean(v) || v === 'runtime' || v === 'warm' },
  build: { expects: 'a command line or an array of them', accepts: oneOrMany(isString) },
  envFile: { expects: 'a path or an array of paths', accepts: oneOrMany(isString) },
  postpone: { expects: 'true or false', accepts: isBoolean },
  proxy: { expects: 'true, false, a port, or "[host:]port[:appPort]" like "3001:3000"', accepts: either(isBoolean, isNumber, isString) },
  reloadOnly: { expects: 'a glob or an array of globs', accepts: oneOrMany(isString) },
  quiet: { expects: 'true or false', accepts: isBoolean, in: 'file' },
  verbose: { expects: 'true or false', accepts: isBoolean, in: 'file' },
  // A config file's env is layered over devreload's environment; the API's is the app's whole
  // environment (process.env's shape: a value may be undefined).
  env: {
    expects: 'an object of string values',
    accepts: isStringMap(false),
    api: { expects: 'an object of string values (the whole environment, e.g. { ...process.env, PORT: "3000" })', accepts: isStringMap(true) },
  },
  cwd: { expects: 'a directory path', accepts: isString, in: 'api' },
  logLevel: { expects: '"quiet", "normal" or "verbose"', accepts: (v) => v === 'quiet' || v === 'normal' || v === 'verbose', in: 'api' },
} as const satisfies Record<string, KeySpec>;

export type OptionKey = keyof typeof optionKeys;

/** How errors name the source and a key: a config file by its name, the API by the key alone. */
export interface ShapeSource {
  readonly kind: 'file' | 'api';
  /** `devreload.config.json`, `package.json#devreload`, or `createReloader`. */
  readonly name: string;
  /** The key as its value errors name it: `devreload.config.json: "delay"`, `delay`, `--delay`. */
  readonly label: (key: string) => string;
  /** Command-line values are left to resolve.ts's validators, which word errors as options. */
  readonly keysOnly?: boolean;
}

/** The keys `kind` accepts, in the table's order. */
export function keysFor(kind: 'file' | 'api'): string[] {
  return Object.entries(optionKeys)
    .filter(([, spec]) => !('in' in spec) || spec.in === kind)
    .map(([key]) => key);
}

/**
 * Throws a DevreloadError for the first unknown key (with a did-you-mean) or value of the
 * wrong type. Values are checked further by resolve.ts's validators, with the same labels.
 */
export function checkShape(data: Record<string, unknown>, source: ShapeSource, hint: (key: string) => string = () => ''): void {
  const known = keysFor(source.kind);
  for (const name of Object.keys(data)) {
    if (known.includes(name)) continue;
    const suggestion = closest(name, known);
    const mean = suggestion === undefined ? '' : ` (did you mean "${suggestion}"?)`;
    throw new DevreloadError(`${source.name}: unknown key "${name}"${mean}${hint(name)}; known keys: ${known.join(', ')}`);
  }
  if (source.keysOnly === true) return;
  for (const key of known) {
    const value = data[key];
    if (value === undefined) continue;
    const table: KeySpec = optionKeys[key as OptionKey];
    const spec = source.kind === 'api' ? (table.api ?? table) : table;
    if (!spec.accepts(value)) throw new DevreloadError(`${typeLabel(source, key)} must be ${spec.expects}, got ${describe(value)}`);
  }
}

/** `devreload.config.json: "watch"`, or `watch` for the API (as its value errors begin). */
function typeLabel(source: ShapeSource, key: string): string {
  return source.kind === 'file' ? source.label(key) : `${source.label(key)}:`;
}

export function describe(value: unknown): string {
  if (Array.isArray(value)) return `an array ${JSON.stringify(value)}`;
  if (value === null) return 'null';
  if (typeof value === 'function') return 'a function';
  return `${typeof value} ${JSON.stringify(value)}`;
}
