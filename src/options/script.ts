import { accessSync, closeSync, constants, openSync, readSync, statSync } from 'node:fs';
import path from 'node:path';
import { DevreloadError } from '../errors.js';
import { shellQuote } from '../log/shell-quote.js';
import { localPathEnv } from '../process/spawn.js';

/** What runs: a program and its arguments (no shell), and the `exec` line when it is `sh -c <line>`. */
export interface RunTarget {
  readonly command: string;
  readonly args: readonly string[];
  /** `--exec` / `exec`: the command line as given, shown on the start line instead of `sh -c …`. */
  readonly exec: string | undefined;
}

/** Runtimes for a script named by itself (`devreload server.js`), by extension, as nodemon's `execMap` does. */
const runtimes: Readonly<Record<string, string>> = { js: 'node', mjs: 'node', cjs: 'node', ts: 'tsx', mts: 'tsx', cts: 'tsx', py: 'python3' };

/**
 * The program to run for `command args` or `exec`:
 * - `exec` is a command line run by `sh -c` (arguments, if any, appended quoted, as nodemon does);
 * - a command found on PATH (node_modules/.bin included), or an executable file, runs as it is
 *   (a script by its extension only with a #! line);
 * - a script file that is not executable runs with its runtime: `.js`/`.mjs`/`.cjs` with node,
 *   `.ts`/`.mts`/`.cts` with tsx (the project's, or one on PATH; an error says what to install
 *   when there is none), `.py` with python3;
 * - anything else is spawned as given, and the spawn says what is wrong with it.
 */
export function resolveRun(
  command: string | undefined,
  args: readonly string[],
  exec: string | undefined,
  where: { readonly cwd: string; readonly env: NodeJS.ProcessEnv; readonly cli: boolean; readonly name: (key: string) => string },
): RunTarget {
  const { cwd, env, name } = where;
  if (exec !== undefined) {
    if (command !== undefined) {
      throw new DevreloadError(`${name('exec')}: give either a program (${name('command')}, with its arguments) or a shell command line (${name('exec')}), not both (got ${JSON.stringify(command)} and ${JSON.stringify(exec)})`);
    }
    if (exec.trim() === '') throw new DevreloadError(`${name('exec')}: expected a command line such as "node server.js --port 3000", got an empty one`);
    const line = args.length === 0 ? exec : `${exec} ${shellQuote(args)}`;
    return { command: 'sh', args: ['-c', line], exec: line };
  }
  const program = command ?? '';
  const lookup = localPathEnv(cwd, env).PATH ?? '';
  const bare = !program.includes('/');
  if (bare && onPath(program, lookup, cwd) !== undefined) return { command: program, args, exec: undefined };
  const file = path.resolve(cwd, program);
  if (!isFile(file)) {
    if (/\s/.test(program)) throw new DevreloadError(spacedCommand(program, args, where));
    return { command: program, args, exec: undefined };
  }
  const runtime = runtimes[path.extname(program).slice(1).toLowerCase()];
  // A bare name is never looked up in the working directory by exec(3): only a runtime can run it.
  // An executable script without a #! line would run as a shell script (execvp falls back to
  // sh): on WSL's /mnt/c and FAT or NTFS mounts every file is executable.
  if (!bare && isExecutable(file) && (runtime === undefined || hasShebang(file))) return { command: program, args, exec: undefined };
  if (runtime === undefined) return { command: program, args, exec: undefined };
  if (runtime === 'tsx' && onPath('tsx', lookup, cwd) === undefined) {
    throw new DevreloadError(
      `${program} is TypeScript, which devreload runs with tsx, and tsx is not installed here: install it (npm install --save-dev tsx), or name the runtime yourself (devreload -- node ${program} on Node ≥ 22.18)`,
    );
  }
  return { command: runtime, args: [program, ...args], exec: undefined };
}

/** `"node server.js"` given as one program name: one line naming the two ways to say it. */
export function spacedCommand(command: string, args: readonly string[], where: { readonly cli: boolean; readonly name: (key: string) => string }): string {
  const { name } = where;
  const [program = '', ...words] = command.trim().split(/\s+/);
  const argv = [...words, ...args];
  if (where.cli) {
    return `command not found: ${JSON.stringify(command)} is one argument with spaces: drop the quotes (devreload ${shellQuote([program, ...argv])}), or run it through a shell with --exec ${shellQuote([command])}`;
  }
  return `${name('command')}: ${JSON.stringify(command)} is one program name with spaces: put the arguments in ${name('args')} (${name('command')}: ${JSON.stringify(program)}, ${name('args')}: ${JSON.stringify(argv)}), or give ${name('exec')}: ${JSON.stringify(command)} for a shell command line`;
}

/** The executable `name` would run as from `PATH`, as execvp finds it. */
function onPath(name: string, PATH: string, cwd: string): string | undefined {
  if (name === '') return undefined;
  for (const dir of PATH.split(path.delimiter)) {
    const candidate = path.resolve(cwd, dir || '.', name);
    if (isFile(candidate) && isExecutable(candidate)) return candidate;
  }
  return undefined;
}

function isFile(file: string): boolean {
  try {
    return statSync(file, { throwIfNoEntry: false })?.isFile() ?? false;
  } catch {
    // ENOTDIR, EACCES on a parent: not a file devreload can run; the spawn says why.
    return false;
  }
}

function hasShebang(file: string): boolean {
  let fd: number | undefined;
  try {
    fd = openSync(file, 'r');
    const start = Buffer.alloc(2);
    return readSync(fd, start, 0, 2, 0) === 2 && start.toString('latin1') === '#!';
  } catch {
    return false;
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}

function isExecutable(file: string): boolean {
  try {
    accessSync(file, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}
