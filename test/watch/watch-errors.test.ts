import { describe, expect, it } from 'vitest';
import { DevreloadError } from '../../src/errors.js';
import { toWatchLimitError } from '../../src/watch/watch-errors.js';

function errno(code: string, path?: string): NodeJS.ErrnoException {
  // Shaped like the error fs.watch() throws: "ENOSPC: System limit for number of file watchers reached".
  const error: NodeJS.ErrnoException = new Error(`${code}: failure, watch '${path ?? ''}'`);
  error.code = code;
  if (path !== undefined) error.path = path;
  return error;
}

describe('toWatchLimitError', () => {
  it('turns ENOSPC into one line that gives the sysctl command', () => {
    const cause = errno('ENOSPC', '/project/src/deep');
    const error = toWatchLimitError(cause);
    expect(error).toBeInstanceOf(DevreloadError);
    expect(error?.message).toContain('/project/src/deep');
    expect(error?.message).toContain('fs.inotify.max_user_watches');
    expect(error?.message).toContain('sudo sysctl -w fs.inotify.max_user_watches=524288');
    expect(error?.message).not.toContain('\n');
    expect(error?.cause).toBe(cause);
  });

  it.each(['EMFILE', 'ENFILE'])('turns %s into one line about file limits and inotify', (code) => {
    const error = toWatchLimitError(errno(code));
    expect(error?.message).toContain(code);
    expect(error?.message).toContain('ulimit -n');
    expect(error?.message).toContain('sudo sysctl -w fs.inotify.max_user_watches=524288');
    expect(error?.message).not.toContain('\n');
  });

  it('leaves every other error alone', () => {
    expect(toWatchLimitError(errno('EACCES', '/x'))).toBeUndefined();
    expect(toWatchLimitError(new Error('plain'))).toBeUndefined();
    expect(toWatchLimitError('ENOSPC')).toBeUndefined();
  });
});
