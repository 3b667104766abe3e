import { closeSync, openSync, readSync, statSync } from 'node:fs';
import path from 'node:path';
import { localPathEnv } from '../process/spawn.js';
import { isPythonName, readShebang, type ConsoleScript } from './python-plan.js';

/** What the command is, as far as Python spares go: an interpreter, a console script, or neither. */
export type PythonCommand = { readonly kind: 'interpreter' } | { readonly kind: 'console'; readonly script: ConsoleScript };

/**
 * `python3 …` is an interpreter by its name; `uvicorn …` is a console script if the file the spawn
 * would run (node_modules/.bin up the tree, then PATH, as an npm script finds it) starts with a
 * `#!` line naming a Python. Undefined for anything else (node, sh, a binary).
 */
export function findPythonCommand(command: string, cwd: string, env: NodeJS.ProcessEnv): PythonCommand | undefined {
  if (isPythonName(path.basename(command))) return { kind: 'interpreter' };
  const file = locate(command, cwd, env);
  if (file === undefined) return undefined;
  const shebang = firstLine(file);
  if (shebang === undefined) return undefined;
  const parsed = readShebang(shebang);
  if (parsed === undefined) return undefined;
  const names = [parsed.interpreter, ...(path.basename(parsed.interpreter) === 'env' && parsed.arg !== undefined ? parsed.arg.split(/\s+/) : [])];
  return names.some((name) => isPythonName(path.basename(name))) ? { kind: 'console', script: { file, shebang } } : undefined;
}

function locate(command: string, cwd: string, env: NodeJS.ProcessEnv): string | undefined {
  if (command.includes('/')) return isFile(path.resolve(cwd, command)) ? path.resolve(cwd, command) : undefined;
  const searched = localPathEnv(cwd, env);
  const value = Object.entries(searched).find(([name]) => name.toUpperCase() === 'PATH')?.[1] ?? '';
  for (const dir of value.split(path.delimiter)) {
    // An empty entry is the working directory, as execvp reads it.
    const candidate = path.join(dir === '' ? cwd : path.resolve(cwd, dir), command);
    if (isFile(candidate)) return candidate;
  }
  return undefined;
}

function isFile(file: string): boolean {
  try {
    return statSync(file).isFile();
  } catch {
    return false;
  }
}

/** The first line, if the file starts with `#!` (at most 512 bytes are read). */
function firstLine(file: string): string | undefined {
  let fd: number;
  try {
    fd = openSync(file, 'r');
  } catch {
    return undefined;
  }
  try {
    const buffer = Buffer.alloc(512);
    const size = readSync(fd, buffer, 0, buffer.length, 0);
    const text = buffer.subarray(0, size).toString('utf8');
    return text.startsWith('#!') ? (text.split('\n', 1)[0] as string) : undefined;
  } catch {
    return undefined;
  } finally {
    closeSync(fd);
  }
}
