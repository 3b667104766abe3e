import { readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { DevreloadError, isErrnoException } from '../errors.js';

/** Throws a DevreloadError naming `option` unless `absolute` exists (and is of `kind`). */
export function requireExisting(absolute: string, option: string, shown: string, kind: 'directory' | 'file' | 'any'): void {
  try {
    const stats = statSync(absolute);
    if (kind === 'directory' && !stats.isDirectory()) {
      throw new DevreloadError(`${option}: not a directory: ${shown}`);
    }
    if (kind === 'file' && !stats.isFile()) {
      throw new DevreloadError(`${option}: not a file: ${shown}`);
    }
  } catch (error) {
    if (error instanceof DevreloadError) throw error;
    if (isErrnoException(error) && (error.code === 'ENOENT' || error.code === 'ENOTDIR')) {
      const where = shown === absolute ? '' : ` (resolved to ${absolute})`;
      throw new DevreloadError(`${option}: no such ${kind === 'any' ? 'file or directory' : kind}: ${shown}${where}`);
    }
    if (isErrnoException(error) && (error.code === 'EACCES' || error.code === 'EPERM')) {
      throw new DevreloadError(`${option}: permission denied: ${shown} (devreload may not read it; check its permissions and its parents')`);
    }
    throw error;
  }
}

/** The root .gitignore is read up front: the app starts before the watcher, and bad input must stop everything first. */
export function checkGitignore(enabled: boolean, cwd: string): boolean {
  if (!enabled) return false;
  const file = path.join(cwd, '.gitignore');
  try {
    readFileSync(file);
  } catch (error) {
    // Absent, or not a file: nothing to honour.
    if (isErrnoException(error) && ['ENOENT', 'ENOTDIR', 'EISDIR'].includes(error.code ?? '')) return true;
    const code = isErrnoException(error) ? error.code : String(error);
    throw new DevreloadError(`Cannot read ${file} (${code}): fix its permissions, or turn .gitignore support off.`, { cause: error });
  }
  return true;
}
