import { statSync } from 'node:fs';
import path from 'node:path';
import { DevreloadError } from '../errors.js';
import type { DevreloadOptions } from '../options/resolve.js';
import { nodemonC } from './argv.js';

/** What nodemon's flags (hidden in cli/options.ts) mean here. */
export interface NodemonFlags {
  readonly options: Partial<DevreloadOptions>;
  /** `--dump`. */
  readonly printConfig: boolean;
  /** One line each for a flag with no equivalent: what devreload does instead. */
  readonly notes: readonly string[];
}

/**
 * nodemon's command lines keep working: `-L` polls, `--exitcrash` quits with the app,
 * `--on-change-only` postpones, `--dump` prints the configuration; a flag with no equivalent is
 * accepted with one line naming devreload's way, never silently.
 */
export function fromNodemonFlags(result: Record<string, unknown>, on: (value: unknown) => boolean, scalar: (value: unknown) => unknown): NodemonFlags {
  const options: Partial<DevreloadOptions> = {};
  const notes: string[] = [];
  const interval = scalar(result.pollingInterval) as string | undefined;
  if (on(result.legacyWatch)) options.poll = interval ?? true;
  else if (interval !== undefined) notes.push(`-P (--polling-interval) ${interval}: nodemon polls only with -L, and so does devreload: add -L, or use --poll ${interval}`);
  if (on(result.exitcrash)) options.onExit = 'quit';
  if (on(result.onChangeOnly)) options.postpone = true;
  const said = (flag: string, way: string) => notes.push(`${flag} (nodemon's) has no equivalent: ${way}`);
  if (on(result.I) || scalar(result.stdin) === false) said(on(result.I) ? '-I' : '--no-stdin', "the app always gets a pipe from devreload (lines you type reach it; rs restarts); it runs in its own process group, so it cannot read the terminal itself");
  if (on(result.spawn)) said('--spawn', 'devreload always spawns the app, never forks it');
  if (scalar(result.updateNotifier) === false) said('--no-update-notifier', 'devreload never checks for updates');
  if (scalar(result.colors) === false || scalar(result.colours) === false) said('--no-colors', 'set NO_COLOR=1 (devreload and most apps honour it)');
  if (on(result.js)) said('--js', 'devreload watches every extension unless --ext says otherwise');
  return { options, printConfig: on(result.dump), notes };
}

/**
 * A nodemon `--delay 2` means two seconds; here a bare number is milliseconds. Below 20 ms a
 * quiet window does nothing useful, so such a number is taken for seconds typed the nodemon way
 * and refused, rather than silently read as 2 ms.
 */
export function checkBareDelay(value: string | undefined, spelled: string | undefined): void {
  if (value === undefined || !/^\d+(\.\d+)?$/.test(value.trim())) return;
  const number = Number(value);
  if (number > 0 && number < 20) {
    throw new DevreloadError(`${spelled ?? '--delay'} ${value} means ${value} ms here; write ${value}s for seconds (nodemon's --delay counts seconds), or ${value}ms if you do mean milliseconds`);
  }
}

/** `-C server.js`, typed the nodemon way: not a folder, so not what `-C` (`--cwd`) means here. */
export function checkShortCwd(value: string | undefined, spelled: string | undefined): void {
  if (value === undefined || spelled !== '-C') return;
  let folder = false;
  try {
    folder = statSync(path.resolve(value)).isDirectory();
  } catch {
    // Not there at all: the same answer.
  }
  if (!folder) throw new DevreloadError(`-C (--cwd): ${value} is not a folder${nodemonC}`);
}
