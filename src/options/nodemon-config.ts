import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { DevreloadError } from '../errors.js';
import { shellQuote } from '../log/shell-quote.js';
import { closest } from './did-you-mean.js';
import type { DevreloadOptions } from './resolve.js';
import type { ShapeSource } from './schema.js';

/**
 * nodemon's configuration (nodemon.json, package.json `nodemonConfig`, or a `--config` file
 * named like nodemon.json), read as nodemon 3 reads it and mapped to devreload's options. Every
 * key either maps to an option, or gets a line naming devreload's way; a key nodemon does not
 * know either is an error with a did-you-mean, as in devreload.config.json. Nothing is dropped
 * silently.
 *
 * What nodemon means, read from its source (lib/config, lib/monitor): `delay` in a file is in
 * milliseconds (its `--delay` flag counts seconds), `exec` is a command line for `sh -c` with the
 * script and its arguments appended, `{{pwd}}` and `{{filename}}` are substituted in it, and
 * with neither `exec` nor `script` the app is package.json's `main`, else index.js, else
 * `scripts.start`.
 */

type Validator = (data: unknown, source: ShapeSource, base: string) => Partial<DevreloadOptions>;

export interface NodemonConfig {
  readonly options: Partial<DevreloadOptions>;
  readonly source: string;
  readonly from: Readonly<Record<string, string>>;
  readonly notes: readonly string[];
  readonly execMap: Readonly<Record<string, string>>;
  readonly nodemon: true;
  /** nodemon's `exec` as a line for another script: `devreload other.js` keeps the file's `exec`, as nodemon does. */
  readonly execFor?: (script: readonly string[]) => string;
}

/** Keys whose value devreload already has: accepted as they are, anything else gets its line. */
const sameAsDevreload: Readonly<Record<string, unknown>> = { restartable: 'rs', stdin: true, stdout: true, colours: true, spawn: true, noUpdateNotifier: true, js: true, dump: false };

/** nodemon keys with no equivalent here, and devreload's way. */
const noEquivalent: Readonly<Record<string, string>> = {
  restartable: 'devreload restarts on `rs` + Enter; that word cannot be changed or turned off',
  stdin: 'the app always gets a pipe from devreload (lines you type reach it; `rs` restarts); it runs in its own process group, so it cannot read the terminal itself',
  stdout: "the app's output goes to the terminal; devreload --json moves it to stderr and writes events on stdout",
  colours: 'set NO_COLOR=1 to turn colours off',
  spawn: 'devreload always spawns the app (never forks it)',
  noUpdateNotifier: 'devreload never checks for updates',
  js: 'devreload watches every extension unless "ext" says otherwise',
  dump: 'run devreload --print-config',
  cwd: 'nodemon does not apply it from a config file either; run devreload --cwd <dir>',
  watchOptions: 'devreload sets chokidar’s options itself; "legacyWatch" (or --poll) polls',
  events: 'devreload runs no command on its events: read them with devreload --json, or with reloader.on(…) in the API',
};

/** Every key nodemon reads from a config file (its index.d.ts, lib/config/defaults.js and lib/cli/parse.js). */
const nodemonKeys = [
  'watch', 'ignore', 'ignoreRoot', 'ext', 'exec', 'script', 'args', 'nodeArgs', 'execMap', 'delay', 'signal', 'env',
  'verbose', 'quiet', 'legacyWatch', 'pollingInterval', 'runOnChangeOnly', 'exitCrash', ...Object.keys(noEquivalent),
];

/** Whether `file` is read as nodemon's configuration when `--config` names it. */
export function isNodemonFile(file: string): boolean {
  return /nodemon[^/\\]*\.json$/i.test(path.basename(file));
}

/** A hint for devreload.config.json's unknown-key error: a nodemon key belongs in nodemon.json. */
export function nodemonKeyHint(key: string): string {
  return nodemonKeys.includes(key) && !['watch', 'ignore', 'ext', 'exec', 'delay', 'signal', 'env', 'verbose', 'quiet', 'args'].includes(key)
    ? ` ("${key}" is nodemon's: devreload reads it from nodemon.json; see docs/nodemon.md)`
    : '';
}

export function fromNodemon(data: unknown, source: string, base: string, validate: Validator): NodemonConfig {
  if (typeof data !== 'object' || data === null || Array.isArray(data)) throw new DevreloadError(`${source}: expected an object of nodemon settings, got ${JSON.stringify(data)}`);
  const raw = data as Record<string, unknown>;
  const notes: string[] = [];
  const mapped: Record<string, unknown> = {};
  const from: Record<string, string> = {};
  const put = (key: string, value: unknown, nodemonKey: string) => {
    if (value === undefined) return;
    mapped[key] = value;
    from[key] = nodemonKey;
  };
  for (const key of Object.keys(raw)) {
    if (nodemonKeys.includes(key)) continue;
    const suggestion = closest(key, nodemonKeys);
    throw new DevreloadError(`${source}: unknown key "${key}"${suggestion === undefined ? '' : ` (did you mean "${suggestion}"?)`}: nodemon does not read it either`);
  }
  for (const [key, way] of Object.entries(noEquivalent)) {
    const value = raw[key];
    if (value === undefined || (key in sameAsDevreload && value === sameAsDevreload[key])) continue;
    if (key === 'events' && isRecord(value)) for (const name of Object.keys(value)) notes.push(`${source}: "events.${name}" is not run: ${way}`);
    else if (key === 'watchOptions' && isRecord(value)) mapWatchOptions(value, source, put, notes);
    else notes.push(`${source}: "${key}" ${JSON.stringify(value)} has no equivalent: ${way}`);
  }

  put('watch', watchPaths(raw.watch, source, base, notes), 'watch');
  const ignore = [...listOf(raw.ignoreRoot), ...listOf(raw.ignore)];
  if (raw.ignoreRoot !== undefined) notes.push(`${source}: "ignoreRoot" is added to "ignore"; node_modules and VCS folders stay ignored (--no-gitignore turns .gitignore off)`);
  put('ignore', raw.ignore === undefined && raw.ignoreRoot === undefined ? undefined : ignore, raw.ignore === undefined ? 'ignoreRoot' : 'ignore');
  // nodemon splits "js, pug" and "*.js" into names; devreload takes a comma-separated list.
  put('ext', typeof raw.ext === 'string' ? (raw.ext.match(/[^,*\s]+/g) ?? []).map((e) => e.replace(/^\./, '')).join(',') : raw.ext, 'ext');
  put('delay', raw.delay, 'delay');
  put('signal', raw.signal, 'signal');
  // nodemon's own example is { "PORT": 8000 }: numbers and booleans become strings, as in any environment.
  put('env', isRecord(raw.env) ? Object.fromEntries(Object.entries(raw.env).map(([k, v]) => [k, typeof v === 'number' || typeof v === 'boolean' ? String(v) : v])) : raw.env, 'env');
  put('verbose', raw.verbose, 'verbose');
  put('quiet', raw.quiet, 'quiet');
  put('postpone', raw.runOnChangeOnly, 'runOnChangeOnly');
  if (raw.exitCrash !== undefined && typeof raw.exitCrash !== 'boolean') throw new DevreloadError(`${source}: "exitCrash" must be true or false, got ${JSON.stringify(raw.exitCrash)}`);
  put('onExit', raw.exitCrash === true ? 'quit' : undefined, 'exitCrash');
  // The interval as given ("500" too): the poll validator says what is wrong with it, in the file's words.
  if (raw.legacyWatch === true) put('poll', raw.pollingInterval ?? true, raw.pollingInterval === undefined ? 'legacyWatch' : 'pollingInterval');
  else if (raw.legacyWatch !== undefined && raw.legacyWatch !== false) put('poll', raw.legacyWatch, 'legacyWatch');
  else if (raw.pollingInterval !== undefined) notes.push(`${source}: "pollingInterval" is not used without "legacyWatch": true (nor is it by nodemon)`);

  const execMap = stringMap(raw.execMap, source, 'execMap');
  const run = mapRun(raw, execMap, source, base, notes);
  for (const [key, value] of Object.entries(run.options)) put(key, value, run.from);
  const label = (key: string) => `${source}: "${from[key] ?? key}"`;
  const options = validate(mapped, { kind: 'file', name: source, label }, base);
  return { options, source, from, notes, execMap, nodemon: true, execFor: run.execFor };
}

/** What to run: `exec` (a shell line), a `script` (by its extension), or what nodemon finds on its own. */
function mapRun(raw: Record<string, unknown>, execMap: Record<string, string>, source: string, base: string, notes: string[]) {
  const args = raw.args === undefined ? [] : stringList(raw.args, source, 'args');
  const nodeArgs = raw.nodeArgs === undefined ? [] : stringList(raw.nodeArgs, source, 'nodeArgs');
  if (raw.exec !== undefined && typeof raw.exec !== 'string') throw new DevreloadError(`${source}: "exec" must be a command line, got ${JSON.stringify(raw.exec)}`);
  if (raw.script !== undefined && typeof raw.script !== 'string') throw new DevreloadError(`${source}: "script" must be a path, got ${JSON.stringify(raw.script)}`);
  const found = typeof raw.script === 'string' || raw.exec !== undefined ? undefined : defaultRun(base);
  if (found?.exec !== undefined) return { options: { exec: found.exec }, from: found.from };
  const script = typeof raw.script === 'string' ? { value: raw.script, from: 'script' } : found?.script === undefined ? undefined : { value: found.script, from: found.from };
  const execLine = (line: string, scriptArgv: readonly string[]) => {
    const substituted = line.replaceAll('{{pwd}}', base).replaceAll('{{filename}}', scriptArgv[0] ?? '');
    // With {{filename}} the script is in the line already: only its arguments follow.
    const rest = line.includes('{{filename}}') ? scriptArgv.slice(1) : scriptArgv;
    return rest.length === 0 ? substituted : `${substituted} ${shellQuote(rest)}`;
  };
  const scriptArgv = script === undefined ? args : [script.value, ...args];
  const fromKey = script?.from ?? 'script';
  if (typeof raw.exec === 'string') {
    const exec = raw.exec;
    if (nodeArgs.length > 0 && exec.split(/\s+/)[0] !== 'node') notes.push(`${source}: "nodeArgs" only apply when the runtime is node (as in nodemon)`);
    const line = exec.split(/\s+/)[0] === 'node' && nodeArgs.length > 0 ? `${exec} ${shellQuote(nodeArgs)}` : exec;
    return { options: { exec: execLine(line, scriptArgv) }, from: raw.script === undefined ? 'exec' : 'exec and script', execFor: (argv: readonly string[]) => execLine(line, argv) };
  }
  if (script === undefined) return { options: {}, from: 'script' };
  if (/\s/.test(script.value.trim()) && !existsSync(path.resolve(base, script.value))) {
    throw new DevreloadError(`${source}: "${fromKey}" names a file, got ${JSON.stringify(script.value)}: put its arguments in "args", or write a command line in "exec"`);
  }
  const extension = path.extname(script.value).slice(1);
  const mappedRunner = execMap[extension];
  if (mappedRunner !== undefined) return { options: { exec: execLine(mappedRunner, scriptArgv) }, from: `${fromKey} and execMap.${extension}` };
  if (['js', 'mjs', 'cjs'].includes(extension)) return { options: { command: 'node', args: [...nodeArgs, script.value, ...args] }, from: fromKey };
  if (nodeArgs.length > 0) notes.push(`${source}: "nodeArgs" only apply when the runtime is node (as in nodemon)`);
  return { options: { command: script.value, args }, from: fromKey };
}

/** nodemon's app when neither `exec` nor `script` is given: package.json `main`, else index.js, else `scripts.start`. */
function defaultRun(base: string): { script?: string; exec?: string; from: string } | undefined {
  let manifest: Record<string, unknown> = {};
  try {
    const data: unknown = JSON.parse(readFileSync(path.join(base, 'package.json'), 'utf8'));
    if (isRecord(data)) manifest = data;
  } catch {
    // No package.json (or not one nodemon could read): index.js is all that is left.
  }
  if (typeof manifest.main === 'string') return { script: manifest.main, from: 'package.json "main"' };
  if (existsSync(path.join(base, 'index.js'))) return { script: 'index.js', from: 'index.js (nodemon’s default)' };
  const start = isRecord(manifest.scripts) ? manifest.scripts.start : undefined;
  // A start script that runs the reloader itself would start it again inside itself (nodemon #2258).
  if (typeof start === 'string' && !/\b(nodemon|devreload)\b/.test(start)) return { exec: start, from: 'package.json "scripts.start"' };
  return undefined;
}

/** nodemon watches a glob's base folder and filters by the glob; devreload watches the folder and says the filter is not applied. */
function watchPaths(value: unknown, source: string, base: string, notes: string[]): unknown {
  if (value === undefined || !(typeof value === 'string' || Array.isArray(value))) return value;
  return listOf(value).map((entry) => {
    if (typeof entry !== 'string' || !/[*?[\]{}]/.test(entry)) return entry;
    const folder = path.dirname(entry.replace(/[*?[{].*$/, 'x'));
    notes.push(`${source}: "watch" "${entry}" is a glob: watching ${folder === '.' ? 'the folder' : folder} (devreload watches folders and files; filter with "ext" or "ignore")`);
    return existsSync(path.resolve(base, folder)) ? folder : entry;
  });
}

function mapWatchOptions(options: Record<string, unknown>, source: string, put: (key: string, value: unknown, from: string) => void, notes: string[]): void {
  if (options.usePolling === true) put('poll', typeof options.interval === 'number' ? options.interval : true, 'watchOptions.usePolling');
  const rest = Object.keys(options).filter((key) => key !== 'usePolling' && key !== 'interval');
  if (rest.length > 0) notes.push(`${source}: "watchOptions" ${rest.map((k) => `"${k}"`).join(', ')} ${rest.length === 1 ? 'has' : 'have'} no equivalent: ${noEquivalent.watchOptions}`);
}

function stringMap(value: unknown, source: string, key: string): Record<string, string> {
  if (value === undefined) return {};
  if (isRecord(value) && Object.values(value).every((v) => typeof v === 'string')) return Object.fromEntries(Object.entries(value).map(([k, v]) => [k.replace(/^\./, ''), v as string]));
  throw new DevreloadError(`${source}: "${key}" must be an object of command lines by extension, e.g. { "rb": "ruby" }, got ${JSON.stringify(value)}`);
}

function stringList(value: unknown, source: string, key: string): string[] {
  if (typeof value === 'string') return [value];
  if (Array.isArray(value) && value.every((v) => typeof v === 'string')) return value as string[];
  throw new DevreloadError(`${source}: "${key}" must be an array of strings, got ${JSON.stringify(value)}`);
}

function listOf(value: unknown): unknown[] {
  return value === undefined ? [] : Array.isArray(value) ? value : [value];
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
