import { accessSync, constants } from 'node:fs';
import { DevreloadError, errorCode, isExpected } from '../errors.js';

export interface SpawnTarget {
  command: string;
  cwd: string;
}

/**
 * Turns execa's failed result for a spawn that never happened into one line that says what to
 * fix. execa says what is wrong with the working directory (it checks it once a spawn failed:
 * `The "cwd" option is invalid: …`); its words are used as they are. What it does not say is
 * added here: that ENOENT and EACCES on the command mean "not found" and "not executable"
 * (exiting 127 and 126, as a shell does), and a working directory that exists but may not be
 * entered, which the OS reports as the command's EACCES.
 */
export function spawnError(target: SpawnTarget, failure: unknown): Error {
  const { command, cwd } = target;
  // execa's originalMessage: Node's error (`spawn node ENOENT`), after execa's lines about the cwd.
  const said = (failure as { originalMessage?: unknown } | null)?.originalMessage;
  const lines = (typeof said === 'string' ? said : String(failure)).split('\n');
  const cause = failure;
  if (lines[0]?.startsWith('The "cwd" option') === true) {
    return new DevreloadError(`could not start ${command}: ${lines.slice(0, -1).join(' ')}`, { cause });
  }
  if (isExpected(failure, 'notFound')) {
    return new DevreloadError(
      `command not found: ${command} (install it, check the spelling and PATH; for a script, check its #! interpreter)`,
      // 127 and 126 are what a shell reports for the same failures.
      { cause, exitCode: 127 },
    );
  }
  if (isExpected(failure, 'notPermitted') && !canEnter(cwd)) {
    return new DevreloadError(`working directory not accessible: ${cwd} (permission denied; check its permissions)`, { cause });
  }
  if (isExpected(failure, 'notPermitted')) {
    return new DevreloadError(
      `command is not executable: ${command} (make it executable with chmod +x, or run it through its interpreter)`,
      { cause, exitCode: 126 },
    );
  }
  return new Error(`could not start ${command}: ${lines[0] || (errorCode(failure) ?? 'unknown error')}`, { cause });
}

// Only chooses the wording of an error that already happened: any failure to look means "not
// usable", whatever its errno.
function canEnter(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}
