import path from 'node:path';
import { shellQuote } from '../log/shell-quote.js';
import { formatSocketSpec } from '../options/socket.js';
import { resolveOptions, type ResolvedOptions } from '../options/resolve.js';
import type { Configured } from './sources.js';

interface Row {
  readonly key: string;
  readonly value: string;
  /** The option keys whose source it shows (the first one set wins). */
  readonly from: readonly string[];
  /** Where it came from when no option set it, if not the default (an environment variable). */
  readonly otherwise?: string;
}

/**
 * `--print-config` (nodemon's `--dump`): every setting as devreload resolved it, and where it
 * came from — the quickest answer to "why did my setting not apply". Validates as a run would:
 * a bad value is the same one-line error.
 */
export async function printConfig(configured: Configured, write: (text: string) => void): Promise<void> {
  // Nothing to run yet is worth seeing too: every other setting is shown, and the command says so.
  const missing = configured.options.command === undefined && configured.options.exec === undefined;
  const options = resolveOptions(missing ? { ...configured.options, command: process.execPath } : configured.options, 'cli');
  // Loaded as the watcher is (after a spawn, in its own file): where links lead out of the watched folders.
  const { findLinkedRoots } = await import('../supervisor/watch-changes.js');
  const { pollingInterval } = await import('../watch/polling-env.js');
  const linked = findLinkedRoots({ roots: options.watch, cwd: options.cwd, ignore: options.ignore, gitignore: options.gitignore });
  const rows = describeOptions(options, configured, linked, pollingInterval(undefined)).map((row) => (missing && row.key === 'command' ? { ...row, value: 'none: put the program to run after --' } : row));
  const source = (row: Row) => {
    const key = row.from.find((k) => configured.sources[k] !== undefined);
    return key === undefined ? (row.otherwise ?? 'default') : (configured.sources[key] ?? 'default');
  };
  const width = Math.max(...rows.map((row) => row.key.length)) + 2;
  const valueWidth = Math.min(48, Math.max(...rows.map((row) => row.value.length))) + 2;
  const order = 'command line > devreload.config.json > package.json "devreload" > nodemon.json > package.json "nodemonConfig" > default';
  const using = configured.config === undefined ? 'no configuration file' : `configuration: ${configured.config.source}`;
  const cell = (text: string, cellWidth: number) => `${text}${' '.repeat(Math.max(2, cellWidth - text.length))}`;
  const lines = rows.map((row) => `${cell(row.key, width)}${cell(row.value, valueWidth)}${source(row)}`);
  write(`devreload settings in ${options.cwd} (${using}; ${order})\n${cell('setting', width)}${cell('value', valueWidth)}from\n${lines.join('\n')}\n`);
}

/** `envPoll`: the polling interval CHOKIDAR_USEPOLLING (and CHOKIDAR_INTERVAL) ask for, if any. */
function describeOptions(options: ResolvedOptions, configured: Configured, linked: readonly string[], envPoll: number | undefined): Row[] {
  const relative = (p: string) => path.relative(options.cwd, p) || '.';
  const list = (items: readonly string[], none: string) => (items.length === 0 ? none : items.join(', '));
  const asked = options.watch.filter((p) => !options.workspaceRoots.includes(p)).map(relative);
  const found = [...options.workspaceRoots.map((p) => `${relative(p)} (workspace package)`), ...linked.map((p) => `${relative(p)} (linked)`)];
  const env = configured.options.env === undefined ? [] : Object.keys(configured.options.env).filter((key) => configured.options.env?.[key] !== process.env[key]);
  const onOff = (value: boolean) => (value ? 'on' : 'off');
  return [
    { key: 'command', value: options.exec === undefined ? shellQuote([options.command, ...options.args]) : `${options.exec} (through sh -c)`, from: ['exec', 'command', 'args'] },
    { key: 'cwd', value: options.cwd, from: ['cwd'] },
    { key: 'watch', value: [...asked, ...found].join(', '), from: ['watch'] },
    { key: 'ext', value: options.ext === undefined ? 'every extension' : options.ext.join(', '), from: ['ext'] },
    { key: 'ignore', value: list(options.ignore, 'nothing more (node_modules and VCS folders always are)'), from: ['ignore'] },
    { key: 'gitignore', value: options.gitignore ? '.gitignore honoured' : 'off', from: ['gitignore'] },
    { key: 'workspaces', value: onOff(configured.options.workspaces !== false), from: ['workspaces'] },
    options.poll === undefined && envPoll !== undefined
      ? { key: 'poll', value: `every ${envPoll} ms`, from: ['poll'], otherwise: 'environment (CHOKIDAR_USEPOLLING)' }
      : { key: 'poll', value: options.poll === undefined ? 'off (native file events)' : `every ${options.poll} ms`, from: ['poll'] },
    { key: 'delay', value: `${options.delay} ms`, from: ['delay'] },
    { key: 'signal', value: `${options.signal} (Ctrl-C sends SIGINT)`, from: ['signal'] },
    { key: 'killTimeout', value: `${options.killTimeout} ms`, from: ['killTimeout'] },
    { key: 'onExit', value: options.onExit, from: ['onExit'] },
    { key: 'build', value: list(options.build, 'none'), from: ['build'] },
    { key: 'envFile', value: list(options.envFiles.map(relative), 'none'), from: ['envFile'] },
    { key: 'env', value: env.length === 0 ? "devreload's environment" : `devreload's environment, plus ${env.join(', ')}`, from: ['env'] },
    { key: 'postpone', value: onOff(options.postpone), from: ['postpone'] },
    { key: 'prestart', value: options.prestart === false ? 'off' : `${options.prestart} spare`, from: ['prestart'] },
    { key: 'socket', value: list(options.sockets.map(formatSocketSpec), 'none'), from: ['socket'] },
    { key: 'ready', value: configured.options.ready === undefined ? (options.sockets.length > 0 ? 'the first socket' : 'none') : String(configured.options.ready), from: ['ready'] },
    { key: 'proxy', value: options.proxy === undefined ? 'off' : `${formatSocketSpec(options.proxy)}${options.proxy.appPort === undefined ? '' : ` (the app on ${options.proxy.appPort})`}`, from: ['proxy'] },
    { key: 'reloadOnly', value: list(options.reloadOnly, 'none'), from: ['reloadOnly'] },
    { key: 'logLevel', value: options.logLevel, from: ['logLevel'] },
  ];
}
