import path from 'node:path';
import { DevreloadError } from '../errors.js';
import type { OnExit } from '../core/types.js';
import { parseReadyTarget, type ReadyTarget } from './ready.js';
import { defaultDelayMs, defaultKillTimeoutMs, defaultPollMs } from '../tuning.js';
import { parseSignal } from './signal.js';
import { parseSocketSpecs, type SocketSpec } from './socket.js';
import { checkProxyPort, parseProxySpec, type ProxySpec } from './proxy.js';
import { findWorkspaceRoots } from './workspaces.js';
import { checkGitignore, requireExisting } from './paths.js';
import { checkShape } from './schema.js';
import { resolveRun } from './script.js';

export type LogLevel = 'quiet' | 'normal' | 'verbose';

/** What a program (or the CLI, after parsing argv) may ask for. */
export interface DevreloadOptions {
  /**
   * The program to run; no shell is involved. A script that is not executable runs with its
   * runtime: `server.js` with node, `server.ts` with tsx, `app.py` with python3.
   */
  command?: string;
  args?: readonly string[];
  /** Instead of `command`: a command line run through `sh -c` (`args`, if any, appended quoted), as nodemon's `exec`. */
  exec?: string;
  /** Paths to watch (directories or files), relative to `cwd`. Default: `cwd`. */
  watch?: string | readonly string[];
  /** Only files with these extensions trigger a restart (`['ts', 'js']` or `'ts,js'`). Default: all. */
  ext?: readonly string[] | string;
  /** Extra glob patterns to ignore, relative to `cwd`. */
  ignore?: string | readonly string[];
  /** Honour `.gitignore` files. Default: true. */
  gitignore?: boolean;
  /**
   * Also watch the workspace packages (npm, pnpm, yarn node-modules linker) and `file:`/`link:`
   * packages the project depends on, directly or transitively, found through their links in
   * node_modules. Default: true.
   */
  workspaces?: boolean;
  /** Quiet window in ms: a new instance starts once no change arrived for this long. */
  delay?: number;
  /** Signal that asks the app to stop before a restart. Default: SIGTERM. */
  signal?: string;
  /** How long a stop may take before SIGKILL, in ms. Default: 5000. */
  killTimeout?: number;
  /** Working directory of the app, and the base for relative paths. Default: process.cwd(). */
  cwd?: string;
  /** Poll the file system every N ms instead of using native events (network drives, containers). */
  poll?: number | boolean | string;
  /** `[host:]port` to bind once and hand to every instance as fd 3, 4, … (zero-downtime restarts). */
  socket?: string | number | readonly (string | number)[];
  /** When a new instance counts as ready: a port it accepts on, a URL answering below 500, or a `/regex/` on its output. */
  ready?: string | number;
  /** When the app exits on its own: wait for a change (default), restart with backoff, or quit with its code. */
  onExit?: OnExit;
  /**
   * Keep the next instance booted and parked, before any user code, so a restart skips Node's
   * boot (`node` and `tsx` commands): `true` or `'warm'` also loads the app's third-party
   * dependencies (from node_modules) in it, as the last instance loaded them; `'runtime'` keeps
   * Node alone. Opt-in: the app can tell by `process.uptime()`. Default: false.
   */
  prestart?: boolean | 'runtime' | 'warm';
  /**
   * Build step(s) run through `sh -c` before every start, in order; the running instance is
   * replaced only when every step succeeds. A string or a list of strings.
   */
  build?: string | readonly string[];
  /** Environment files (`KEY=value`, as `node --env-file` reads them), layered over `env`, later files winning; read at every start and watched. */
  envFile?: string | readonly string[];
  /** Start nothing until the first change. Default: false. */
  postpone?: boolean;
  /**
   * A dev proxy in front of the app: `true` (127.0.0.1:3737), a port, `"3001:3000"` (the app on
   * 3000) or `"host:port[:appPort]"`. It holds requests while no instance is ready and reloads
   * the pages it served once a new one is.
   */
  proxy?: boolean | number | string;
  /** Globs (relative to `cwd`) whose changes reload the pages the proxy served and leave the app running. Needs `proxy`. */
  reloadOnly?: string | readonly string[];
  /** Environment of the app. Default: process.env. */
  env?: NodeJS.ProcessEnv;
  logLevel?: LogLevel;
}

export interface ResolvedOptions {
  readonly command: string;
  readonly args: readonly string[];
  /** `exec`: the command line `sh -c` runs (`command` is `sh`); shown as it is on the start line. */
  readonly exec: string | undefined;
  /** Absolute: the paths asked for, then the workspace packages found (`workspaceRoots`). */
  readonly watch: readonly string[];
  /** Absolute: the linked local packages added to `watch` (empty with `workspaces: false`). */
  readonly workspaceRoots: readonly string[];
  readonly ext: readonly string[] | undefined;
  readonly ignore: readonly string[];
  readonly gitignore: boolean;
  readonly delay: number;
  readonly signal: NodeJS.Signals;
  readonly killTimeout: number;
  readonly cwd: string;
  readonly poll: number | undefined;
  readonly onExit: OnExit;
  readonly sockets: readonly SocketSpec[];
  readonly ready: ReadyTarget | undefined;
  readonly prestart: false | 'runtime' | 'warm';
  readonly build: readonly string[];
  /** Absolute paths. */
  readonly envFiles: readonly string[];
  readonly postpone: boolean;
  readonly proxy: ProxySpec | undefined;
  readonly reloadOnly: readonly string[];
  readonly env: NodeJS.ProcessEnv;
  readonly logLevel: LogLevel;
}

// The why of each number is in tuning.ts.
const defaults = {
  delay: defaultDelayMs,
  killTimeout: defaultKillTimeoutMs,
  signal: 'SIGTERM',
  pollInterval: defaultPollMs,
} as const;

/** How errors name an option: `--kill-timeout` for the CLI, `killTimeout` for the API. */
export type OptionNaming = 'cli' | 'api';

/** Validates everything once, at the edge; every error names the option, the value and what was expected. */
export function resolveOptions(input: DevreloadOptions, naming: OptionNaming = 'api'): ResolvedOptions {
  const name = (key: string) => (naming === 'cli' ? `--${key.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}` : key);
  // The config file's checks, in its words: a misspelled key is an error, never a silent default.
  checkShape(input as unknown as Record<string, unknown>, { kind: 'api', name: naming === 'cli' ? 'devreload' : 'createReloader', label: name, keysOnly: naming === 'cli' });
  if (input.exec === undefined && (input.command === undefined || input.command.trim() === '')) {
    throw new DevreloadError(
      naming === 'cli'
        ? 'missing command: put the program to run after `--`, e.g. devreload --watch src -- node server.js'
        : 'command: expected the program to run, e.g. { command: "node", args: ["server.js"] }',
    );
  }
  const cwd = path.resolve(input.cwd ?? process.cwd());
  requireExisting(cwd, name('cwd'), input.cwd ?? cwd, 'directory');
  const asked = listOf(input.watch);
  const watch = (asked.length === 0 ? [cwd] : asked).map((p) => {
    const absolute = path.resolve(cwd, String(p));
    requireExisting(absolute, name('watch'), String(p), 'any');
    return absolute;
  });
  const workspaceRoots = parseBoolean(input.workspaces ?? true, name('workspaces')) ? findWorkspaceRoots(cwd, watch) : [];
  const ignore = parseIgnore(input.ignore, name('ignore'));
  const gitignore = checkGitignore(input.gitignore ?? true, cwd);
  const env = input.env ?? process.env;
  const run = resolveRun(input.command, (input.args ?? []).map(String), input.exec, { cwd, env, cli: naming === 'cli', name });
  const sockets = parseSocketSpecs(input.socket === undefined ? [] : Array.isArray(input.socket) ? input.socket : [input.socket], name('socket'));
  const ready = input.ready === undefined ? undefined : parseReadyTarget(input.ready, name('ready'));
  const proxy = parseProxy(input.proxy, sockets, ready, name);
  const reloadOnly = parseReloadOnly(input.reloadOnly, proxy, name);

  return {
    ...run,
    watch: [...watch, ...workspaceRoots],
    workspaceRoots,
    ext: parseExt(input.ext, name('ext')),
    ignore,
    gitignore,
    delay: milliseconds(input.delay ?? defaults.delay, name('delay')),
    signal: parseSignal(input.signal ?? defaults.signal, name('signal')),
    killTimeout: milliseconds(input.killTimeout ?? defaults.killTimeout, name('killTimeout')),
    cwd,
    poll: parsePoll(input.poll, name('poll')),
    onExit: parseOnExit(input.onExit ?? 'wait', name('onExit')),
    sockets,
    ready,
    prestart: parsePrestart(input.prestart ?? false, name('prestart'), naming),
    build: parseBuild(input.build, name('build')),
    envFiles: listOf(input.envFile).map((file) => {
      const absolute = path.resolve(cwd, file);
      requireExisting(absolute, name('envFile'), file, 'file');
      return absolute;
    }),
    postpone: parseBoolean(input.postpone ?? false, name('postpone')),
    proxy,
    reloadOnly,
    env,
    logLevel: input.logLevel ?? 'normal',
  };
}

/** Accepts 250, '250' or '250ms'; rejects negatives, fractions of nothing, and words. */
export function milliseconds(value: unknown, option: string): number {
  const text = String(value).trim();
  if (typeof value !== 'boolean' && /^-\s*\.?\d/.test(text)) {
    throw new DevreloadError(`${option}: must not be negative, got ${text} (expected a duration in milliseconds, e.g. 500, 500ms or 2s)`);
  }
  const match = /^(\d+(?:\.\d+)?)(ms|s)?$/.exec(text);
  if (typeof value === 'boolean' || match === null || match[1] === undefined) {
    throw new DevreloadError(`${option}: expected a duration in milliseconds (e.g. 500, 500ms or 2s), got ${JSON.stringify(value)}`);
  }
  const number = Number(match[1]) * (match[2] === 's' ? 1000 : 1);
  if (!Number.isFinite(number) || number > 2_147_483_647) {
    throw new DevreloadError(`${option}: ${JSON.stringify(value)} is too large (at most 2147483647 ms)`);
  }
  return Math.round(number);
}

function parseExt(value: DevreloadOptions['ext'], option: string): readonly string[] | undefined {
  if (value === undefined) return undefined;
  const items = (typeof value === 'string' ? value.split(',') : value.flatMap((v) => String(v).split(',')))
    .map((e) => e.trim().replace(/^\*?\./, ''))
    .filter((e) => e !== '');
  if (items.length === 0) {
    throw new DevreloadError(`${option}: expected a comma-separated list of extensions (e.g. ts,js,json), got ${JSON.stringify(value)}`);
  }
  const bad = items.find((e) => /[/\\*?\s]/.test(e));
  if (bad !== undefined) throw new DevreloadError(`${option}: "${bad}" is not a file extension (expected e.g. ts,js,json)`);
  return [...new Set(items)];
}

function listOf(value: string | readonly string[] | undefined): string[] {
  return value === undefined ? [] : typeof value === 'string' ? [value] : value.map(String);
}

function parseBuild(value: DevreloadOptions['build'], option: string): readonly string[] {
  const steps = listOf(value);
  if (steps.some((step) => step.trim() === '')) throw new DevreloadError(`${option}: expected a command line such as "tsc -p .", got an empty one`);
  return steps;
}

function parseProxy(value: DevreloadOptions['proxy'], sockets: readonly SocketSpec[], ready: ReadyTarget | undefined, name: (key: string) => string): ProxySpec | undefined {
  if (value === undefined || value === false) return undefined;
  const spec = parseProxySpec(value, name('proxy'));
  checkProxyPort(spec, sockets, ready, name);
  return spec;
}

function parseReloadOnly(value: DevreloadOptions['reloadOnly'], proxy: ProxySpec | undefined, name: (key: string) => string): readonly string[] {
  const globs = listOf(value);
  if (globs.some((glob) => glob.trim() === '')) throw new DevreloadError(`${name('reloadOnly')}: an empty glob was given; pass a pattern such as "views/**"`);
  // Without the proxy there is no page to reload, and the files would restart nothing either.
  if (globs.length > 0 && proxy === undefined) {
    throw new DevreloadError(`${name('reloadOnly')}: reloads the pages the dev proxy served, so it needs ${name('proxy')} too (got ${JSON.stringify(globs[0])} without it)`);
  }
  return globs;
}

function parseIgnore(value: DevreloadOptions['ignore'], option: string): readonly string[] {
  const globs = listOf(value);
  if (globs.some((glob) => glob.trim() === '')) {
    throw new DevreloadError(`${option}: an empty glob was given; remove it or pass a pattern such as "dist/**"`);
  }
  return globs;
}

function parseBoolean(value: unknown, option: string): boolean {
  if (typeof value === 'boolean') return value;
  throw new DevreloadError(`${option}: expected true or false, got ${JSON.stringify(value)}`);
}

/** `--prestart [runtime|warm]`; `prestart: true | false | 'runtime' | 'warm'`. */
export function parsePrestart(value: unknown, option: string, naming: OptionNaming): false | 'runtime' | 'warm' {
  if (value === true || value === 'warm') return 'warm';
  if (value === false) return false;
  if (value === 'runtime') return 'runtime';
  const expected = naming === 'cli' ? 'runtime or warm (or no value: warm)' : 'true, false, "runtime" or "warm"';
  throw new DevreloadError(`${option}: expected ${expected}, got ${JSON.stringify(value)}`);
}

const onExitPolicies = ['wait', 'restart', 'quit'] as const;

export function parseOnExit(value: unknown, option: string): OnExit {
  return oneOf(value, onExitPolicies, option);
}

function oneOf<T extends string>(value: unknown, allowed: readonly T[], option: string): T {
  if (typeof value === 'string' && (allowed as readonly string[]).includes(value)) return value as T;
  throw new DevreloadError(`${option}: expected one of ${allowed.join(', ')}, got ${JSON.stringify(value)}`);
}

export function parsePoll(value: DevreloadOptions['poll'], option: string): number | undefined {
  if (value === undefined || value === false) return undefined;
  if (value === true) return defaults.pollInterval;
  const ms = milliseconds(value, option);
  if (ms === 0) throw new DevreloadError(`${option}: the polling interval must be above 0 ms, got ${JSON.stringify(value)}`);
  return ms;
}
