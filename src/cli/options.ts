/**
 * The CLI's options, declared once: cac registers them, the argv splitter knows which take a
 * value, and `--help` prints them in groups.
 */
interface CliOptionBase {
  /** cac's raw name, e.g. `-w, --watch <path>`. */
  readonly flags: string;
  readonly description: string;
  readonly group: 'Watching' | 'Restarting' | 'Zero downtime' | 'Output' | 'Other';
  /** Repeatable options collect every value into an array. */
  readonly repeatable?: boolean;
  /** nodemon's spellings (cli/nodemon-flags.ts says what each means here): parsed, not listed in --help. */
  readonly hidden?: boolean;
}

/** An option that takes a value says what it expects, for the error when the value is missing. */
export type CliOption =
  | (CliOptionBase & {
      /** 'required': `<value>`; 'optional': `[value]` (only taken when it looks like a number). */
      readonly value: 'required' | 'optional';
      /** What the value must be, with an example: "a directory, e.g. --cwd packages/api". */
      readonly expects: string;
      /** 'optional': the next argument is its value when it matches this (default: it looks like a number). */
      readonly takes?: RegExp;
    })
  | (CliOptionBase & { readonly value?: undefined });

export const cliOptions: readonly CliOption[] = [
  { flags: '-w, --watch <path>', description: 'Watch a directory or file (repeatable; default: the working directory)', group: 'Watching', value: 'required', expects: 'a file or directory to watch, e.g. --watch src', repeatable: true },
  { flags: '-e, --ext <list>', description: 'Only restart for these extensions, e.g. ts,js,json (default: all)', group: 'Watching', value: 'required', expects: 'a comma-separated list of extensions, e.g. --ext ts,js,json', repeatable: true },
  { flags: '-i, --ignore <glob>', description: 'Ignore paths matching a glob, relative to --cwd (repeatable)', group: 'Watching', value: 'required', expects: "a glob, e.g. --ignore 'dist/**'", repeatable: true },
  { flags: '--no-gitignore', description: 'Do not honour .gitignore files (node_modules and VCS folders stay ignored)', group: 'Watching' },
  { flags: '--no-workspaces', description: 'Do not also watch the workspace packages (and file:/link: ones) the project depends on, found through node_modules links', group: 'Watching' },
  { flags: '--poll [ms]', description: 'Poll for changes every ms (default 100) instead of native events', group: 'Watching', value: 'optional', expects: 'a polling interval in milliseconds, e.g. --poll 500' },
  { flags: '-d, --delay <ms>', description: 'Quiet window in ms (2s for seconds): start the new instance once no change came for this long (default: 30; at least 150 for a burst)', group: 'Restarting', value: 'required', expects: 'a duration in milliseconds, e.g. --delay 500 or --delay 2s' },
  { flags: '-s, --signal <name>', description: 'Signal that stops the app before a restart (default: SIGTERM)', group: 'Restarting', value: 'required', expects: 'a signal name, e.g. --signal SIGINT' },
  { flags: '-k, --kill-timeout <ms>', description: 'Send SIGKILL if the app has not stopped after this long (default: 5000)', group: 'Restarting', value: 'required', expects: 'a duration in milliseconds, e.g. --kill-timeout 2000 or --kill-timeout 2s' },
  { flags: '--on-exit <policy>', description: 'When the app exits on its own: wait (for a change; default), restart (with backoff) or quit (with its code)', group: 'Restarting', value: 'required', expects: 'one of wait, restart, quit' },
  { flags: '-x, --exec <line>', description: 'Run this command line through sh -c, as nodemon does; arguments after it are appended, quoted (without it, no shell is involved)', group: 'Restarting', value: 'required', expects: 'a command line, e.g. --exec "node server.js --port 3000"' },
  { flags: '-b, --build <command>', description: 'Run this command line (through sh) before every start; a failed build keeps the running instance (repeatable: steps in order)', group: 'Restarting', value: 'required', expects: "a command line, e.g. --build 'tsc -p .'", repeatable: true },
  { flags: '--env-file <path>', description: 'Read KEY=value lines into the app’s environment at every start, later files winning; watched (repeatable)', group: 'Restarting', value: 'required', expects: 'a file of KEY=value lines, e.g. --env-file .env', repeatable: true },
  { flags: '--postpone', description: 'Start nothing until the first change', group: 'Restarting' },
  { flags: '--prestart [mode]', description: 'Keep the next instance booted and parked with its dependencies loaded (no user code) so a restart skips the runtime’s boot and the app’s third-party packages (node, tsx and python commands); --prestart=runtime keeps the runtime alone', group: 'Restarting', value: 'optional', expects: 'runtime or warm, e.g. --prestart=runtime', takes: /^(runtime|warm)$/ },
  { flags: '-C, --cwd <dir>', description: 'Run the app in this directory; relative paths resolve from it', group: 'Restarting', value: 'required', expects: 'a directory, e.g. --cwd packages/api' },
  { flags: '--socket <[host:]port>', description: 'Bind this port once (on 127.0.0.1 unless a host is given: 0.0.0.0:3000 exposes it) and hand it to every instance as fd 3, 4, … (repeatable)', group: 'Zero downtime', value: 'required', expects: 'a [host:]port, e.g. --socket 3000 (loopback only) or --socket 0.0.0.0:3000 (every interface)', repeatable: true },
  { flags: '--ready <port|url|/regex/>', description: 'Print "ready in N ms" once the app accepts on a port, answers a URL, or prints a matching line (default with --socket: the first socket)', group: 'Zero downtime', value: 'required', expects: 'a port, a URL or a /regex/, e.g. --ready 3000' },
  { flags: '--proxy [port]', description: 'Serve the app through a dev proxy on 127.0.0.1:3737 (or the port given; 3001:3000 = the app on 3000) that holds requests during a restart and reloads the browser once the new instance is ready', group: 'Zero downtime', value: 'optional', expects: 'a [host:]port[:appPort], e.g. --proxy 3001:3000', takes: /^(\d|\[|[\w.-]+:\d)/ },
  { flags: '--reload-only <glob>', description: 'A change to files matching this glob reloads the browser (--proxy) and leaves the app running, e.g. views/** (repeatable)', group: 'Zero downtime', value: 'required', expects: "a glob, e.g. --reload-only 'views/**'", repeatable: true },
  { flags: '--clear', description: 'Clear the screen before each restart (only on a terminal)', group: 'Output' },
  { flags: '--json', description: 'Write events as NDJSON on stdout; the app’s stdout goes to stderr', group: 'Output' },
  { flags: '-q, --quiet', description: 'Only print warnings and errors', group: 'Output' },
  { flags: '-V, --verbose', description: 'Also print pids, signals sent, timings and ignored paths', group: 'Output' },
  { flags: '-c, --config <file>', description: 'Read options from this JSON file, comments allowed; a nodemon*.json is read as nodemon’s (default: devreload.config.json, package.json "devreload", nodemon.json, package.json "nodemonConfig")', group: 'Other', value: 'required', expects: 'a JSON file, e.g. --config devreload.config.json' },
  { flags: '--print-config', description: 'Print every setting and where it comes from (command line, a config file, default), then exit', group: 'Other' },
  { flags: '-h, --help', description: 'Show this help', group: 'Other' },
  { flags: '-v, --version', description: 'Show the version', group: 'Other' },
  // nodemon's flags, so that its command lines work: cli/nodemon-flags.ts maps them.
  { flags: '-L, --legacy-watch', description: 'nodemon: --poll', group: 'Watching', hidden: true },
  { flags: '-P, --polling-interval <ms>', description: 'nodemon: --poll <ms> (with -L)', group: 'Watching', hidden: true, value: 'required', expects: 'a polling interval in milliseconds, e.g. -L -P 500' },
  { flags: '--exitcrash', description: 'nodemon: --on-exit quit', group: 'Restarting', hidden: true },
  { flags: '--on-change-only', description: 'nodemon: --postpone', group: 'Restarting', hidden: true },
  { flags: '--dump', description: 'nodemon: --print-config', group: 'Other', hidden: true },
  { flags: '-I', description: 'nodemon: --no-stdin', group: 'Other', hidden: true },
  { flags: '--no-stdin', description: 'nodemon: the app reads the terminal', group: 'Other', hidden: true },
  { flags: '--spawn', description: 'nodemon: spawn, never fork', group: 'Other', hidden: true },
  { flags: '--no-update-notifier', description: 'nodemon: no update check', group: 'Other', hidden: true },
  { flags: '--no-colors', description: 'nodemon: no colours', group: 'Output', hidden: true },
  { flags: '--no-colours', description: 'nodemon: no colours', group: 'Output', hidden: true },
  { flags: '--js', description: 'nodemon: deprecated, on by default', group: 'Other', hidden: true },
];

export interface ValueFlag {
  readonly value: 'required' | 'optional';
  /** The option's camelCase name: `killTimeout` for `-k` and `--kill-timeout`. */
  readonly name: string;
  /** Its long spelling, `--kill-timeout`. */
  readonly long: string;
  readonly expects: string;
  /** An optional value: what the next argument must look like to be taken as it. */
  readonly takes: RegExp;
}

/** An option's spellings (`-k`, `--kill-timeout`), its long one, and its camelCase name (`killTimeout`). */
export function namesOf(option: CliOption): { spellings: string[]; long: string; name: string } {
  const spellings = option.flags.split(/[\s,]+/).filter((part) => part.startsWith('-'));
  const long = spellings.find((f) => f.startsWith('--')) ?? '';
  return { spellings, long, name: long.slice(2).replace(/-([a-z])/g, (_, c: string) => c.toUpperCase()) };
}

/** Every spelling (`-w`, `--watch`) of each option that takes a value. */
export function valueTakingFlags(): Map<string, ValueFlag> {
  const flags = new Map<string, ValueFlag>();
  for (const option of cliOptions) {
    if (option.value === undefined) continue;
    const { spellings, long, name } = namesOf(option);
    const takes = option.takes ?? /^-?\d/;
    for (const spelling of spellings) flags.set(spelling, { value: option.value, name, long, expects: option.expects, takes });
  }
  return flags;
}
