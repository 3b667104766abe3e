import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { DevreloadError, isErrnoException } from '../errors.js';
import { parseJsonText } from './json-text.js';
import { fromNodemon, isNodemonFile, nodemonKeyHint } from './nodemon-config.js';
import { milliseconds, parseOnExit, parsePoll, type DevreloadOptions } from './resolve.js';
import { parseReadyTarget } from './ready.js';
import { checkShape, describe, type ShapeSource } from './schema.js';
import { spacedCommand } from './script.js';
import { parseSignal } from './signal.js';
import { formatSocketSpec, parseSocketSpecs } from './socket.js';
import { parseProxySpec } from './proxy.js';

const configFileName = 'devreload.config.json';

/** One configuration source, read and validated. */
export interface LoadedConfig {
  readonly options: Partial<DevreloadOptions>;
  /** Its name as the start line and `--print-config` show it: `nodemon.json`, `package.json#devreload`, … */
  readonly source: string;
  /** nodemon's keys behind each option read from a nodemon configuration (`exec` for `command`). */
  readonly from: Readonly<Record<string, string>>;
  /** Lines to print before the run: nodemon keys with no equivalent, sources present but not read. */
  readonly notes: readonly string[];
  /** nodemon's `execMap`: how a script with that extension runs (only from a nodemon configuration). */
  readonly execMap: Readonly<Record<string, string>>;
  readonly nodemon: boolean;
  /** nodemon's `exec` for a script named on the command line (nodemon runs it with the file's `exec`). */
  readonly execFor?: ((script: readonly string[]) => string) | undefined;
}

/** Where devreload looks when no `--config` is given, highest first (DESIGN.md, configuration sources). */
const candidates = [
  { file: configFileName, key: undefined, shown: configFileName },
  { file: 'package.json', key: 'devreload', shown: 'package.json#devreload' },
  { file: 'nodemon.json', key: undefined, shown: 'nodemon.json' },
  { file: 'package.json', key: 'nodemonConfig', shown: 'package.json#nodemonConfig' },
] as const;

/** The options of the configuration in use (see findConfig). */
export function loadConfig(dir: string, explicit: string | undefined): Partial<DevreloadOptions> | undefined {
  return findConfig(dir, explicit)?.options;
}

/**
 * Finds and validates the configuration: `--config <file>` if given (a file named like
 * `nodemon.json` is read as nodemon's), else the first of `devreload.config.json`, the
 * `"devreload"` key of package.json, `nodemon.json` and the `"nodemonConfig"` key of
 * package.json found in `dir`. Only one is read; one found after it gets a line saying it was
 * not. Paths in a config file are relative to the file's directory.
 */
export function findConfig(dir: string, explicit: string | undefined): LoadedConfig | undefined {
  if (explicit !== undefined) {
    const file = path.resolve(dir, explicit);
    const nodemon = isNodemonFile(explicit);
    const data = readSource(file, explicit, undefined, '--config: ');
    return nodemon ? fromNodemon(data, explicit, path.dirname(file), validate) : own(data, explicit, path.dirname(file));
  }
  let found: LoadedConfig | undefined;
  const skipped: string[] = [];
  for (const candidate of candidates) {
    const file = path.join(dir, candidate.file);
    if (found !== undefined) {
      if (isPresent(file, candidate.key)) skipped.push(candidate.shown);
      continue;
    }
    if (!existsSync(file)) continue;
    const data = readSource(file, candidate.file === 'package.json' ? 'package.json' : candidate.shown, candidate.key, '');
    if (data === undefined) continue;
    const nodemon = candidate.file === 'nodemon.json' || candidate.key === 'nodemonConfig';
    found = nodemon ? fromNodemon(data, candidate.shown, dir, validate) : own(data, candidate.shown, dir);
  }
  if (found === undefined || skipped.length === 0) return found;
  const notRead = `${skipped.join(' and ')} ${skipped.length === 1 ? 'is' : 'are'} not read: ${found.source} is used (one configuration is read: devreload.config.json, then package.json#devreload, then nodemon.json, then package.json#nodemonConfig)`;
  return { ...found, notes: [...found.notes, notRead] };
}

function own(data: unknown, source: string, base: string): LoadedConfig {
  return { options: validate(data, { kind: 'file', name: source, label: (key) => `${source}: "${key}"` }, base), source, from: {}, notes: [], execMap: {}, nodemon: false };
}

/** The parsed file, or its `key` (undefined when package.json has no such key). */
function readSource(file: string, shown: string, key: string | undefined, prefix: string): unknown {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    const problem = !isErrnoException(error)
      ? undefined
      : { ENOENT: 'no such file', EISDIR: 'is a directory, not a JSON file', EACCES: 'permission denied', EPERM: 'permission denied' }[error.code ?? ''];
    if (problem !== undefined) throw new DevreloadError(`${prefix}${shown}: ${problem}`);
    throw error;
  }
  // Only devreload's own config files may have comments: package.json and nodemon.json are
  // read as strict JSON by npm and nodemon, so a comment there would break them.
  const data = parseJsonText(text, shown, { comments: key === undefined && !isNodemonFile(file) && path.basename(file) !== 'package.json' });
  return key === undefined ? data : isObject(data) ? data[key] : undefined;
}

/** Whether a source that is not read is there to be mentioned; a file that cannot be read or parsed is not (it is not used). */
function isPresent(file: string, key: string | undefined): boolean {
  if (!existsSync(file)) return false;
  if (key === undefined) return true;
  try {
    const data: unknown = JSON.parse(readFileSync(file, 'utf8'));
    return isObject(data) && data[key] !== undefined;
  } catch {
    return false;
  }
}

/** Checks a config file's (or a mapped nodemon configuration's) keys and values; errors name the source and the key. */
function validate(data: unknown, source: ShapeSource, base: string): Partial<DevreloadOptions> {
  if (!isObject(data)) throw new DevreloadError(`${source.name}: expected an object of options, got ${describe(data)}`);
  checkShape(data, source, nodemonKeyHint);
  const label = source.label;
  const value = <T>(key: string) => data[key] as T | undefined;
  const strings = (key: string) => {
    const found = value<string | string[]>(key);
    return found === undefined ? undefined : typeof found === 'string' ? [found] : found;
  };
  const duration = (key: string) => (data[key] === undefined ? undefined : milliseconds(data[key], label(key)));
  // Values are checked here with the CLI's own validators, so errors name the file and the key.
  const poll = value<number | boolean | string>('poll');
  const signal = value<string | number>('signal');
  const onExit = value<string>('onExit');
  const socket = value<string | number | (string | number)[]>('socket');
  const ready = value<string | number>('ready');
  const proxy = value<boolean | number | string>('proxy');
  if (proxy !== undefined && proxy !== false) parseProxySpec(proxy, label('proxy'));
  const env = value<Record<string, string>>('env');
  const command = value<string>('command');
  // "node src/server.js" as a program name: refused, with the two ways to say it (issue 27).
  if (command !== undefined && /\s/.test(command.trim()) && !existsSync(path.resolve(base, command))) {
    throw new DevreloadError(`${source.name}: ${spacedCommand(command, value<string[]>('args') ?? [], { cli: false, name: (key) => `"${key}"` })}`);
  }
  const options: Partial<DevreloadOptions> = {
    command: value('command'),
    args: value('args'),
    exec: value('exec'),
    watch: strings('watch')?.map((p) => path.resolve(base, p)),
    ext: strings('ext'),
    ignore: strings('ignore'),
    gitignore: value('gitignore'),
    workspaces: value('workspaces'),
    poll: poll === undefined ? undefined : parsePoll(poll, label('poll')),
    delay: duration('delay'),
    signal: signal === undefined ? undefined : parseSignal(signal, label('signal')),
    killTimeout: duration('killTimeout'),
    onExit: onExit === undefined ? undefined : parseOnExit(onExit, label('onExit')),
    socket: socket === undefined ? undefined : parseSocketSpecs(Array.isArray(socket) ? socket : [socket], label('socket')).map(formatSocketSpec),
    ready: ready === undefined ? undefined : (parseReadyTarget(ready, label('ready')), ready),
    prestart: value('prestart'),
    build: strings('build'),
    envFile: strings('envFile')?.map((p) => path.resolve(base, p)),
    postpone: value('postpone'),
    proxy,
    reloadOnly: strings('reloadOnly'),
    logLevel: data.verbose === true ? 'verbose' : data.quiet === true ? 'quiet' : undefined,
    env: env === undefined ? undefined : { ...process.env, ...env },
  };
  return Object.fromEntries(Object.entries(options).filter(([, v]) => v !== undefined)) as Partial<DevreloadOptions>;
}

export type Validate = typeof validate;

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
