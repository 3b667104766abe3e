import { existsSync } from 'node:fs';
import path from 'node:path';
import { shellQuote } from '../log/shell-quote.js';
import { findConfig, type LoadedConfig } from '../options/config.js';
import type { DevreloadOptions } from '../options/resolve.js';

/** The options to run with, and where each came from (for `--print-config`). */
export interface Configured {
  readonly options: DevreloadOptions;
  /** By option key: `command line`, or the configuration's name (with nodemon's key when it differs). */
  readonly sources: Readonly<Record<string, string>>;
  readonly config: LoadedConfig | undefined;
}

/** What to run is one setting: a command line's program replaces a file's `command`, `args` and `exec` together. */
const runKeys = ['command', 'args', 'exec'] as const;

/**
 * Command line over the configuration in use over the defaults (DESIGN.md: command line >
 * devreload.config.json > package.json `devreload` > nodemon.json / `nodemonConfig` > defaults;
 * config.ts reads the first configuration found).
 */
export function configure(cli: Partial<DevreloadOptions>, configPath: string | undefined): Configured {
  const cwd = path.resolve(cli.cwd ?? '.');
  const config = findConfig(cwd, configPath);
  const file: Partial<DevreloadOptions> = { ...config?.options };
  const sources: Record<string, string> = {};
  const fromFile = (key: string) => {
    const nodemonKey = config?.from[key];
    return `${config?.source}${nodemonKey === undefined || nodemonKey === key ? '' : ` "${nodemonKey}"`}`;
  };
  const cliRuns = runKeys.some((key) => cli[key] !== undefined);
  if (cliRuns) for (const key of runKeys) delete file[key];
  const merged: DevreloadOptions = { ...file, ...cli };
  for (const key of Object.keys(merged)) sources[key] = key in cli ? 'command line' : fromFile(key);
  // nodemon runs a script named on its command line with the file's `exec` (or its `execMap`
  // runtime for that extension): `nodemon app.py` with { "exec": "python -v" } runs `python -v app.py`.
  if (config?.nodemon === true && cli.command !== undefined && cli.exec === undefined) {
    const script = [cli.command, ...(cli.args ?? [])];
    const runtime = config.execMap[path.extname(cli.command).slice(1)];
    const mapped = runtime !== undefined && existsSync(path.resolve(cwd, cli.command)) ? `${runtime} ${shellQuote(script)}` : undefined;
    const exec = config.execFor?.(script) ?? mapped;
    if (exec !== undefined) {
      delete merged.command;
      delete merged.args;
      merged.exec = exec;
      sources.exec = `${fromFile('exec')} and the command line`;
    }
  }
  return { options: merged, sources, config };
}
