import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { DevreloadError, isErrnoException } from '../errors.js';
import { closest } from './did-you-mean.js';
import { parseJsonText } from './json-text.js';
import { milliseconds, parseOnExit, parsePoll, type DevreloadOptions } from './resolve.js';
import { parseReadyTarget } from './ready.js';
import { parseSignal } from './signal.js';
import { formatSocketSpec, parseSocketSpecs } from './socket.js';
import { parseProxySpec } from './proxy.js';

const configFileName = 'devreload.config.json';

/** What a config file may set, with the type each key expects (as the error message says it). */
const schema = {
  command: 'a string (the program to run)',
  args: 'an array of strings',
  watch: 'a path or an array of paths',
  ext: 'a string like "ts,js" or an array of extensions',
  ignore: 'a glob or an array of globs',
  gitignore: 'true or false',
  workspaces: 'true or false',
  poll: 'true, false or a number of milliseconds',
  delay: 'a number of milliseconds or a duration like "500ms"',
  signal: 'a signal name like "SIGTERM"',
  killTimeout: 'a number of milliseconds or a duration like "5s"',
  onExit: '"wait", "restart" or "quit"',
  socket: 'a [host:]port or an array of them',
  ready: 'a port, a URL or a "/regex/"',
  prestart: 'true, false, "runtime" or "warm"',
  build: 'a command line or an array of them',
  envFile: 'a path or an array of paths',
  postpone: 'true or false',
  proxy: 'true, false, a port, or "[host:]port[:appPort]" like "3001:3000"',
  reloadOnly: 'a glob or an array of globs',
  quiet: 'true or false',
  verbose: 'true or false',
  env: 'an object of string values',
} as const;

type Key = keyof typeof schema;

/**
 * Finds and validates the configuration: `--config <file>` if given, else
 * `devreload.config.json` in `dir`, else the `"devreload"` key of `dir/package.json`.
 * Paths in a config file are relative to the file's directory.
 */
export function loadConfig(dir: string, explicit: string | undefined): Partial<DevreloadOptions> | undefined {
  if (explicit !== undefined) return fromFile(path.resolve(dir, explicit), explicit, undefined, '--config: ');
  const own = path.join(dir, configFileName);
  if (existsSync(own)) return fromFile(own, configFileName, undefined, '');
  const manifest = path.join(dir, 'package.json');
  if (existsSync(manifest)) return fromFile(manifest, 'package.json#devreload', 'devreload', '');
  return undefined;
}

function fromFile(file: string, shown: string, key: string | undefined, prefix: string): Partial<DevreloadOptions> | undefined {
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
  const where = key === undefined ? shown : path.basename(file);
  // Only package.json (read through a key) stays strict: a config file of ours may have comments.
  const data = parseJsonText(text, where, { comments: key === undefined });
  const section = key === undefined ? data : isObject(data) ? data[key] : undefined;
  if (key !== undefined && section === undefined) return undefined;
  return validate(section, shown, path.dirname(file));
}

function validate(data: unknown, source: string, base: string): Partial<DevreloadOptions> {
  if (!isObject(data)) throw new DevreloadError(`${source}: expected an object of options, got ${describe(data)}`);
  const keys = Object.keys(schema) as Key[];
  for (const name of Object.keys(data)) {
    if (!(keys as string[]).includes(name)) {
      const suggestion = closest(name, keys);
      throw new DevreloadError(`${source}: unknown key "${name}"${suggestion === undefined ? '' : ` (did you mean "${suggestion}"?)`}; known keys: ${keys.join(', ')}`);
    }
  }
  const bad = (key: Key): never => {
    throw new DevreloadError(`${source}: "${key}" must be ${schema[key]}, got ${describe(data[key])}`);
  };
  const text = (key: Key) => (typeof data[key] === 'string' ? (data[key] as string) : data[key] === undefined ? undefined : bad(key));
  const flag = (key: Key) => (typeof data[key] === 'boolean' ? (data[key] as boolean) : data[key] === undefined ? undefined : bad(key));
  const strings = (key: Key) => {
    const value = data[key];
    if (value === undefined) return undefined;
    if (typeof value === 'string') return [value];
    return Array.isArray(value) && value.every((v) => typeof v === 'string') ? (value as string[]) : bad(key);
  };
  // Values are checked here with the CLI's own validators, so errors name the file and the key.
  const label = (key: Key) => `${source}: "${key}"`;
  const duration = (key: Key) => {
    const value = data[key];
    if (value === undefined) return undefined;
    return typeof value === 'number' || typeof value === 'string' ? milliseconds(value, label(key)) : bad(key);
  };
  const env = data.env;
  if (env !== undefined && !(isObject(env) && Object.values(env).every((v) => typeof v === 'string'))) bad('env');
  const poll = data.poll;
  if (poll !== undefined && typeof poll !== 'number' && typeof poll !== 'boolean') bad('poll');
  const signal = data.signal;
  if (signal !== undefined && typeof signal !== 'string' && typeof signal !== 'number') bad('signal');
  const onExit = text('onExit');
  const socket = data.socket;
  const sockets = socket === undefined ? undefined : Array.isArray(socket) ? socket : [socket];
  if (sockets !== undefined && !sockets.every((v) => typeof v === 'string' || typeof v === 'number')) bad('socket');
  const ready = data.ready;
  if (ready !== undefined && typeof ready !== 'string' && typeof ready !== 'number') bad('ready');

  const proxy = data.proxy;
  if (proxy !== undefined && typeof proxy !== 'boolean' && typeof proxy !== 'number' && typeof proxy !== 'string') bad('proxy');
  if (typeof proxy === 'number' || typeof proxy === 'string' || proxy === true) parseProxySpec(proxy, label('proxy'));

  const quiet = flag('quiet');
  const verbose = flag('verbose');
  const options: Partial<DevreloadOptions> = {
    command: text('command'),
    args: strings('args'),
    watch: strings('watch')?.map((p) => path.resolve(base, p)),
    ext: strings('ext'),
    ignore: strings('ignore'),
    gitignore: flag('gitignore'),
    workspaces: flag('workspaces'),
    poll: poll === undefined ? undefined : parsePoll(poll as number | boolean, label('poll')),
    delay: duration('delay'),
    signal: signal === undefined ? undefined : parseSignal(signal, label('signal')),
    killTimeout: duration('killTimeout'),
    onExit: onExit === undefined ? undefined : parseOnExit(onExit, label('onExit')),
    socket: sockets === undefined ? undefined : parseSocketSpecs(sockets, label('socket')).map(formatSocketSpec),
    ready: ready === undefined ? undefined : (parseReadyTarget(ready, label('ready')), ready as string | number),
    prestart: data.prestart === undefined ? undefined : [true, false, 'runtime', 'warm'].includes(data.prestart as string) ? (data.prestart as DevreloadOptions['prestart']) : bad('prestart'),
    build: strings('build'),
    envFile: strings('envFile')?.map((p) => path.resolve(base, p)),
    postpone: flag('postpone'),
    proxy: proxy as boolean | number | string | undefined,
    reloadOnly: strings('reloadOnly'),
    logLevel: verbose === true ? 'verbose' : quiet === true ? 'quiet' : undefined,
    env: env === undefined ? undefined : { ...process.env, ...(env as Record<string, string>) },
  };
  return Object.fromEntries(Object.entries(options).filter(([, v]) => v !== undefined)) as Partial<DevreloadOptions>;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function describe(value: unknown): string {
  if (Array.isArray(value)) return `an array ${JSON.stringify(value)}`;
  if (value === null) return 'null';
  return `${typeof value} ${JSON.stringify(value)}`;
}
