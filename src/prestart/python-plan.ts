import path from 'node:path';

/** A console script (`uvicorn`, `flask`): the file the command names, and its `#!` line. */
export interface ConsoleScript {
  /** The path the kernel would run: found as the spawn finds the command (node_modules/.bin, PATH). */
  readonly file: string;
  readonly shebang: string;
}

/** How to boot a Python spare for this command, and what a cold start of it would have run. */
export interface PythonPlan {
  /** The program the spare is spawned as: the command itself, or the script's `#!` interpreter. */
  readonly interpreter: string;
  /** The interpreter's own options, which it reads at boot (the spare boots with them). */
  readonly bootArgs: readonly string[];
  readonly run: { readonly kind: 'script'; readonly path: string } | { readonly kind: 'module'; readonly name: string };
  /** `sys.argv` of a cold start (for `-m`, runpy puts the module's file in place of '-m'). */
  readonly argv: readonly string[];
  /** `sys.orig_argv` of a cold start after the interpreter's own name (and its command line, /proc/<pid>/cmdline). */
  readonly origArgv: readonly string[];
  /** The process name of a cold start (/proc/<pid>/comm, what `ps -o comm` and `top` show). */
  readonly comm: string;
}

export type PythonPlanResult = { readonly ok: true; readonly plan: PythonPlan } | { readonly ok: false; readonly reason: string };

/** python, python3, python3.12: what runs a Python script by that name. */
export function isPythonName(name: string): boolean {
  return /^python(\d+(\.\d+)?)?$/.test(name);
}

// Options taking no value that only change how the interpreter boots: the spare boots with them.
const bootFlags = new Set(['b', 'B', 'd', 'E', 'I', 'O', 'P', 'q', 'R', 's', 'S', 'u']);
// Options whose value is the rest of the word or the next word.
const valueFlags = new Set(['W', 'X']);
const unsupported: Record<string, string> = {
  c: 'python -c runs a string, not a script file',
  i: 'python -i opens a prompt after the script',
  v: 'python -v prints every import as it happens, a parked interpreter’s too',
  x: 'python -x skips the script’s first line, which devreload does not do',
  h: 'there is no script to run',
  V: 'there is no script to run',
  '?': 'there is no script to run',
};

// gunicorn's master loads the app in forked workers and restarts them on its own terms.
const coldPrograms: Record<string, string> = {
  gunicorn: 'gunicorn’s master forks and manages its own workers',
};

/**
 * Whether a Python spare can stand in for `command args` run with `env`, and how. Pure: a console
 * script's `#!` line is read by the caller (python-command.ts).
 */
export function planPython(command: string, args: readonly string[], env: NodeJS.ProcessEnv, script?: ConsoleScript): PythonPlanResult {
  const program = coldPrograms[path.basename(command)];
  if (program !== undefined) return fail(program);
  if (script !== undefined) return planConsoleScript(script, args);
  if (!isPythonName(path.basename(command))) return fail(`${command} is not a Python interpreter or a Python console script`);
  if (env.PYTHONINSPECT !== undefined && env.PYTHONINSPECT !== '') return fail('PYTHONINSPECT opens a prompt after the script');
  if (env.PYTHONVERBOSE !== undefined && env.PYTHONVERBOSE !== '') return fail('PYTHONVERBOSE prints every import as it happens, a parked interpreter’s too');
  const read = readOptions(args);
  if (!read.ok) return read;
  const { bootArgs, run, rest } = read;
  if (run.kind === 'module' && coldPrograms[run.name.split('.')[0] as string] !== undefined) return fail(coldPrograms[run.name.split('.')[0] as string] as string);
  if (run.kind === 'script' && /\.py[co]$/.test(run.path)) return fail('a compiled .pyc script runs as it was compiled, not as a source');
  return {
    ok: true,
    plan: {
      interpreter: command,
      bootArgs,
      run,
      argv: [run.kind === 'module' ? '-m' : run.path, ...rest],
      origArgv: [...args],
      comm: path.basename(command),
    },
  };
}

/** `#!/usr/bin/python3 -s`, `#!/usr/bin/env python3`: the kernel runs `interpreter [arg] file args`. */
export function readShebang(line: string): { interpreter: string; arg: string | undefined } | undefined {
  const match = /^#!\s*(\S+)(?:[ \t]+(.*?))?\s*$/.exec(line);
  if (match === null) return undefined;
  return { interpreter: match[1] as string, arg: match[2] === undefined || match[2] === '' ? undefined : match[2] };
}

function planConsoleScript(script: ConsoleScript, args: readonly string[]): PythonPlanResult {
  const shebang = readShebang(script.shebang);
  if (shebang === undefined) return fail(`${script.file} has no #! line`);
  let interpreter = shebang.interpreter;
  let flags: string[] = shebang.arg === undefined ? [] : [shebang.arg];
  // The kernel names the process after the script, until env runs the interpreter.
  let comm = path.basename(script.file);
  // env finds the interpreter on PATH; the spare's spawn does the same lookup.
  if (path.basename(interpreter) === 'env' && shebang.arg !== undefined && !/\s/.test(shebang.arg)) {
    interpreter = shebang.arg;
    flags = [];
    comm = path.basename(interpreter);
  }
  if (!isPythonName(path.basename(interpreter))) return fail(`${script.file} runs ${shebang.interpreter}${shebang.arg === undefined ? '' : ` ${shebang.arg}`}, not a Python interpreter`);
  // The kernel passes the line's rest as one word: python reads it as one cluster of options.
  if (flags.length > 0) {
    const read = readOptions([...flags, script.file]);
    if (!read.ok) return read;
    if (read.run.kind !== 'script') return fail(`${script.file}: its #! line runs a module`);
  }
  return {
    ok: true,
    plan: {
      interpreter,
      bootArgs: flags,
      run: { kind: 'script', path: script.file },
      argv: [script.file, ...args],
      origArgv: [...flags, script.file, ...args],
      comm,
    },
  };
}

type Options = { ok: true; bootArgs: string[]; run: PythonPlan['run']; rest: string[] } | { ok: false; reason: string };

/** The interpreter's options up to the script or `-m module`, as CPython's getopt reads them. */
function readOptions(args: readonly string[]): Options {
  const bootArgs: string[] = [];
  for (let index = 0; index < args.length; index += 1) {
    const arg = args[index] as string;
    if (arg === '-') return fail('python - reads the script from stdin');
    if (arg === '--') return script(args, index + 1, bootArgs);
    if (!arg.startsWith('-')) return script(args, index, bootArgs);
    if (arg.startsWith('--')) {
      const [name] = arg.split('=', 1);
      if (name === '--check-hash-based-pycs') {
        const taken = arg.includes('=') ? [arg] : [arg, args[++index]];
        if (taken.includes(undefined)) return fail(`${arg} needs a value`);
        bootArgs.push(...(taken as string[]));
        continue;
      }
      return fail(name === '--help' || name === '--version' || name?.startsWith('--help-') ? 'there is no script to run' : `${name}: devreload does not know this python option`);
    }
    // A cluster (-uB, -Wignore, -mhttp.server): each letter an option until one takes a value.
    for (let at = 1; at < arg.length; at += 1) {
      const letter = arg[at] as string;
      if (letter === 'm') {
        const name = at + 1 < arg.length ? arg.slice(at + 1) : args[index + 1];
        if (name === undefined || name === '') return fail('-m needs a module name');
        const given = at + 1 < arg.length ? index + 1 : index + 2;
        if (at > 1) bootArgs.push(arg.slice(0, at));
        return { ok: true, bootArgs, run: { kind: 'module', name }, rest: args.slice(given) };
      }
      if (valueFlags.has(letter)) {
        if (at + 1 < arg.length) bootArgs.push(arg);
        else if (args[index + 1] !== undefined) bootArgs.push(arg, args[++index] as string);
        else return fail(`-${letter} needs a value`);
        break;
      }
      const why = unsupported[letter];
      if (why !== undefined) return fail(why);
      if (!bootFlags.has(letter)) return fail(`-${letter}: devreload does not know this python option`);
      if (at === arg.length - 1) bootArgs.push(arg);
    }
  }
  return fail('there is no script to run');
}

function script(args: readonly string[], at: number, bootArgs: string[]): Options {
  const file = args[at];
  if (file === undefined) return fail('there is no script to run');
  return { ok: true, bootArgs, run: { kind: 'script', path: file }, rest: args.slice(at + 1) };
}

function fail(reason: string): { ok: false; reason: string } {
  return { ok: false, reason };
}
