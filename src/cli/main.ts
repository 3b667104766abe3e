import { readFileSync } from 'node:fs';
import { cac } from 'cac';
import { packageJsonUrl } from '../assets.js';
import { DevreloadError } from '../errors.js';
import { createLogger } from '../log/logger.js';
import { closest } from '../options/did-you-mean.js';
import type { DevreloadOptions } from '../options/resolve.js';
import { createReloader } from '../supervisor/api.js';
import { splitArgv } from './argv.js';
import { helpText } from './help.js';
import { checkBareDelay, checkShortCwd, fromNodemonFlags } from './nodemon-flags.js';
import { cliOptions, namesOf } from './options.js';
import { printConfig } from './print-config.js';
import { configure } from './sources.js';

export interface CliIo {
  stdout: (text: string) => void;
  stderr: (text: string) => void;
  /** The platform devreload runs on (tests pass another). */
  platform?: NodeJS.Platform;
}

const defaultIo: CliIo = {
  stdout: (text) => process.stdout.write(text),
  stderr: (text) => process.stderr.write(text),
};

export type ParsedCli =
  | { readonly kind: 'help' }
  | { readonly kind: 'version' }
  /** Only what the command line set: a config file fills in the rest. */
  | {
      readonly kind: 'run';
      readonly options: Partial<DevreloadOptions>;
      readonly config: string | undefined;
      readonly clear: boolean;
      readonly json: boolean;
      /** `--print-config` (or nodemon's `--dump`): print the settings and exit. */
      readonly printConfig: boolean;
      /** Lines to print first: nodemon flags with no equivalent. */
      readonly notes: readonly string[];
    };

/** Turns argv (without `node` and the script) into what to do; throws DevreloadError on bad usage. */
export function parseCli(argv: readonly string[]): ParsedCli {
  // Values are taken out first, as typed (argv.ts says why); cac parses switches, unknown options and stray arguments.
  const { values, spellings, flags, command } = splitArgv(argv);
  let stray: unknown[] = [];
  const result = parseFlags(flags, (args) => (stray = args));
  if (on(result.help)) return { kind: 'help' };
  if (on(result.version)) return { kind: 'version' };
  if (stray.length > 0) throw new DevreloadError(`unexpected argument ${JSON.stringify(String(stray[0]))} before the command (see devreload --help)`);

  // The last value wins for single options.
  for (const [name, typed] of values) result[name] = typed.length === 1 ? typed[0] : typed;
  const scalar = (value: unknown) => (Array.isArray(value) ? value.at(-1) : value);
  const exec = scalar(result.exec) as string | undefined;
  // With --exec, what follows is appended to its line (nodemon: `--exec "python -v" app.py`).
  const program = exec === undefined ? command[0] : undefined;
  const args = exec === undefined ? command.slice(1) : command;
  checkBareDelay(scalar(result.delay) as string | undefined, spellings.get('delay'));
  checkShortCwd(scalar(result.cwd) as string | undefined, spellings.get('cwd'));
  const nodemon = fromNodemonFlags(result, on, scalar);
  const options: Partial<DevreloadOptions> = {
    command: program,
    args: program === undefined && exec === undefined ? undefined : args,
    exec,
    watch: result.watch === undefined ? undefined : list(result.watch),
    ext: result.ext === undefined ? undefined : list(result.ext),
    ignore: result.ignore === undefined ? undefined : list(result.ignore),
    gitignore: lastSwitch(flags, 'gitignore'),
    workspaces: lastSwitch(flags, 'workspaces'),
    delay: scalar(result.delay) as number | undefined,
    signal: scalar(result.signal) as string | undefined,
    killTimeout: scalar(result.killTimeout) as number | undefined,
    cwd: result.cwd === undefined ? undefined : String(scalar(result.cwd)),
    poll: scalar(result.poll) as number | boolean | undefined,
    onExit: scalar(result.onExit) as DevreloadOptions['onExit'],
    socket: result.socket === undefined ? undefined : list(result.socket),
    ready: scalar(result.ready) as string | undefined,
    // `--prestart` alone: cac's true (warm); with a value, the value as typed (checked by resolveOptions).
    prestart: scalar(result.prestart) as DevreloadOptions['prestart'] | undefined,
    build: result.build === undefined ? undefined : list(result.build),
    envFile: result.envFile === undefined ? undefined : list(result.envFile),
    postpone: on(result.postpone) ? true : undefined,
    // `--proxy` alone: cac's true (the default port); with a value, the value as typed.
    proxy: scalar(result.proxy) as boolean | string | undefined,
    reloadOnly: result.reloadOnly === undefined ? undefined : list(result.reloadOnly),
    logLevel: on(result.verbose) ? 'verbose' : on(result.quiet) ? 'quiet' : undefined,
  };
  // devreload's own spelling wins over nodemon's (`-L --poll 50` polls every 50 ms).
  const defined = { ...nodemon.options, ...Object.fromEntries(Object.entries(options).filter(([, v]) => v !== undefined)) } as Partial<DevreloadOptions>;
  return {
    kind: 'run',
    options: defined,
    config: result.config === undefined ? undefined : String(scalar(result.config)),
    clear: on(result.clear),
    json: on(result.json),
    printConfig: on(result.printConfig) || nodemon.printConfig,
    notes: nodemon.notes,
  };
}

/** cac parses what is left of devreload's arguments once the values are out (an unknown option becomes one clear line). */
function parseFlags(flags: readonly string[], onStray: (args: unknown[]) => void): Record<string, unknown> {
  const cli = cac('devreload');
  let result: Record<string, unknown> = {};
  const main = cli.command('[...stray]', '').action((args: unknown[], options: Record<string, unknown>) => {
    onStray(args);
    result = options;
  });
  for (const option of cliOptions) {
    main.option(option.flags, option.description, option.repeatable === true ? { type: [String] } : undefined);
  }
  refuseUndeclaredNegations(flags);
  try {
    cli.parse(['node', 'devreload', ...flags], { run: true });
  } catch (error) {
    // cac's own messages (an unknown option) are already one clear line; missing values never reach it.
    if (error instanceof Error && error.name === 'CACError') {
      // cac reports `--kill-timout` as `--killTimout`: show it as it was typed.
      const message = error.message.replace(/`--([^`]+)`/, (_, name: string) => `--${kebab(name)}`).replace(/`/g, '');
      throw new DevreloadError(`${message}${suggestFlag(error.message)} (see devreload --help)`);
    }
    throw error;
  }
  return result;
}

/**
 * cac accepts `--no-x` for every option `x` and reads it as `x: false`: `--no-build` would run
 * `false` as a build step, `--no-watch` watch a path named "false", `--no-prestart` be ignored.
 * Only the negations devreload declares (`--no-gitignore`, `--no-workspaces`, nodemon's) mean
 * something; any other is an unknown option, said as such.
 */
function refuseUndeclaredNegations(flags: readonly string[]): void {
  const declared = new Set(cliOptions.flatMap((option) => option.flags.split(/[\s,]+/)).filter((spelling) => spelling.startsWith('--no-')));
  const negation = flags.map((flag) => flag.split('=')[0] ?? flag).find((flag) => flag.startsWith('--no-') && !declared.has(flag));
  if (negation === undefined) return;
  const turnsOff = [...declared].filter((spelling) => !cliOptions.some((option) => option.hidden === true && option.flags.includes(spelling)));
  throw new DevreloadError(`Unknown option ${negation}: only ${turnsOff.join(' and ')} turn a default off; leave an option out to keep its default (see devreload --help)`);
}

/**
 * `--x` or `--no-x`, whichever came last, for a default-on option that declares `--no-x`; undefined
 * if neither was typed. cac gives such an option `x: true` whether or not `--x` was typed, and
 * `--x` must turn back on what a config file turned off.
 */
function lastSwitch(flags: readonly string[], name: string): boolean | undefined {
  const last = flags.findLast((flag) => flag === `--${name}` || flag === `--no-${name}`);
  return last === undefined ? undefined : last === `--${name}`;
}

/** A switch given once is `true`; given again, cac makes it `[true, true]`: still on. */
function on(value: unknown): boolean {
  return value === true || (Array.isArray(value) && value.includes(true));
}

/** Command line over config file over defaults (sources.ts). */
export function withConfig(cli: Partial<DevreloadOptions>, configPath: string | undefined): DevreloadOptions {
  return configure(cli, configPath).options;
}

function kebab(name: string): string {
  return name.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);
}

function suggestFlag(message: string): string {
  const unknown = /Unknown option `(-{1,2})([^`]+)`/.exec(message);
  if (unknown === null) return '';
  const names = cliOptions.map((option) => namesOf(option).long.slice(2));
  const typed = kebab(unknown[2] ?? '');
  const match = closest(typed, names);
  if (match !== undefined) return ` — did you mean --${match}?`;
  // `nodemon --inspect server.js` passes Node's flags on to node; here they go after the command.
  if (unknown[1] === '--' && process.allowedNodeEnvironmentFlags.has(`--${typed}`)) return ` — a Node.js option goes after the command: devreload -- node --${typed} server.js`;
  return '';
}

function list(value: unknown): string[] {
  if (value === undefined) return [];
  return (Array.isArray(value) ? value : [value]).filter((v) => v !== true && v !== false).map(String);
}

function packageVersion(): string {
  const manifest = JSON.parse(readFileSync(packageJsonUrl, 'utf8')) as { version: string };
  return manifest.version;
}

/** Runs the CLI; resolves with the exit code. Bad input becomes one line on stderr, never a stack trace. */
export async function main(argv: readonly string[], io: CliIo = defaultIo): Promise<number> {
  // Process groups, signals and the watchdog are POSIX: on Windows devreload could keep none of
  // its promises (docs/windows.md says what it would take). One line, before anything starts.
  if ((io.platform ?? process.platform) === 'win32') {
    io.stderr('[devreload] error: Windows is not supported yet; see docs/windows.md for what it would take\n');
    return 1;
  }
  try {
    const parsed = parseCli(argv);
    if (parsed.kind === 'help') {
      io.stdout(helpText(packageVersion()));
      return 0;
    }
    if (parsed.kind === 'version') {
      io.stdout(`${packageVersion()}\n`);
      return 0;
    }
    const configured = configure(parsed.options, parsed.config);
    const notes = [...parsed.notes, ...(configured.config?.notes ?? [])];
    if (notes.length > 0) {
      const logger = createLogger({ level: configured.options.logLevel ?? 'normal', cwd: process.cwd(), command: '', stream: process.stderr });
      for (const note of notes) logger.warn(note);
    }
    if (parsed.printConfig) {
      await printConfig(configured, io.stdout);
      return 0;
    }
    // A closed pipe (`devreload --json … | head -1`) must not crash the supervisor of a
    // running app: further output is dropped.
    for (const stream of [process.stdout, process.stderr]) stream.on('error', () => undefined);
    const reloader = createReloader(configured.options, {
      naming: 'cli',
      configSource: configured.config?.source,
      handleSignals: true,
      readStdin: true,
      clear: parsed.clear ? process.stdout : undefined,
      json: parsed.json ? process.stdout : undefined,
    });
    await reloader.start();
    return await reloader.exited;
  } catch (error) {
    if (error instanceof DevreloadError) {
      io.stderr(`[devreload] error: ${error.message}\n`);
      return error.exitCode;
    }
    throw error;
  }
}
