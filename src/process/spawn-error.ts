import { accessSync, constants, statSync } from 'node:fs';
import { DevreloadError, errorCode, isExpected } from '../errors.js';

export interface SpawnTarget {
  command: string;
  cwd: string;
}

/**
 * Turns a failed spawn into an error that says what to fix. Node reports a missing working
 * directory and a missing command with the same ENOENT (and a working directory it may not
 * enter as EACCES on the command), so the directory is checked to tell them apart.
 */
export function spawnError(target: SpawnTarget, cause: unknown): Error {
  const { command, cwd } = target;
  if (isExpected(cause, 'notFound') && !isDirectory(cwd)) {
    return new DevreloadError(`working directory not found: ${cwd} (create it or run devreload from another directory)`, { cause });
  }
  if (isExpected(cause, 'notFound')) {
    return new DevreloadError(
      `command not found: ${command} (install it, check the spelling and PATH; for a script, check its #! interpreter)`,
      // 127 and 126 are what a shell reports for the same failures.
      { cause, exitCode: 127 },
    );
  }
  if (isExpected(cause, 'notPermitted') && !canEnter(cwd)) {
    return new DevreloadError(`working directory not accessible: ${cwd} (permission denied; check its permissions)`, { cause });
  }
  if (isExpected(cause, 'notPermitted')) {
    return new DevreloadError(
      `command is not executable: ${command} (make it executable with chmod +x, or run it through its interpreter)`,
      { cause, exitCode: 126 },
    );
  }
  return new Error(`could not start ${command}: ${errorCode(cause) ?? 'unknown error'}`, { cause });
}

// The two probes below only choose the wording of an error that already happened: any failure
// to look means "not usable", whatever its errno.

function canEnter(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

function isDirectory(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
}
