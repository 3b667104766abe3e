import { readFileSync } from 'node:fs';
import { cac } from 'cac';
import { DevreloadError } from '../errors.js';
import type { DevreloadOptions } from '../options/resolve.js';
import { createReloader } from '../supervisor/reloader.js';
import { splitArgv } from './argv.js';
import { helpText } from './help.js';
import { cliOptions } from './options.js';

export interface CliIo {
  stdout: (text: string) => void;
  stderr: (text: string) => void;
}

const defaultIo: CliIo = {
  stdout: (text) => process.stdout.write(text),
  stderr: (text) => process.stderr.write(text),
};

export type ParsedCli =
  | { readonly kind: 'help' }
  | { readonly kind: 'version' }
  | { readonly kind: 'run'; readonly options: DevreloadOptions };

/** Turns argv (without `node` and the script) into what to do; throws DevreloadError on bad usage. */
export function parseCli(argv: readonly string[]): ParsedCli {
  const { own, command } = splitArgv(argv);
  const cli = cac('devreload');
  let result: Record<string, unknown> = {};
  let stray: unknown[] = [];
  const main = cli.command('[...stray]', '').action((args: unknown[], options: Record<string, unknown>) => {
    stray = args;
    result = options;
  });
  for (const option of cliOptions) {
    main.option(option.flags, option.description, option.repeatable === true ? { type: [String] } : undefined);
  }
  try {
    cli.parse(['node', 'devreload', ...own], { run: true });
  } catch (error) {
    // cac's own messages (unknown option, missing value) are already one clear line.
    if (error instanceof Error && error.name === 'CACError') throw new DevreloadError(`${error.message.replace(/`/g, '')} (see devreload --help)`);
    throw error;
  }
  if (result.help === true) return { kind: 'help' };
  if (result.version === true) return { kind: 'version' };
  if (stray.length > 0) throw new DevreloadError(`unexpected argument ${JSON.stringify(String(stray[0]))} before the command (see devreload --help)`);

  const [program, ...args] = command;
  const scalar = (value: unknown) => (Array.isArray(value) ? value.at(-1) : value);
  return {
    kind: 'run',
    options: {
      command: program ?? '',
      args,
      watch: list(result.watch),
      ext: result.ext === undefined ? undefined : list(result.ext),
      ignore: list(result.ignore),
      gitignore: result.gitignore !== false,
      delay: scalar(result.delay) as number | undefined,
      signal: scalar(result.signal) as string | undefined,
      killTimeout: scalar(result.killTimeout) as number | undefined,
      cwd: result.cwd === undefined ? undefined : String(scalar(result.cwd)),
      poll: scalar(result.poll) as number | boolean | undefined,
      onExit: scalar(result.onExit) as DevreloadOptions['onExit'],
      logLevel: result.verbose === true ? 'verbose' : result.quiet === true ? 'quiet' : 'normal',
    },
  };
}

function list(value: unknown): string[] {
  if (value === undefined) return [];
  return (Array.isArray(value) ? value : [value]).filter((v) => v !== true && v !== false).map(String);
}

export function packageVersion(): string {
  const manifest = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };
  return manifest.version;
}

/** Runs the CLI; resolves with the exit code. Bad input becomes one line on stderr, never a stack trace. */
export async function main(argv: readonly string[], io: CliIo = defaultIo): Promise<number> {
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
    const reloader = createReloader(parsed.options, { naming: 'cli', handleSignals: true, readStdin: true });
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
