/**
 * An error caused by what the user asked for (a flag, a value, a path, a command).
 * The CLI prints its message as one line and exits non-zero, never with a stack trace.
 */
export class DevreloadError extends Error {
  override readonly name = 'DevreloadError';
  /** Process exit code the CLI uses for this error. */
  readonly exitCode: number;

  constructor(message: string, options: { exitCode?: number; cause?: unknown } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.exitCode = options.exitCode ?? 2;
  }
}

export function isErrnoException(error: unknown): error is NodeJS.ErrnoException {
  return error instanceof Error && typeof (error as NodeJS.ErrnoException).code === 'string';
}

/**
 * The errors a racing OS produces in normal operation, by situation. The process layer asks
 * `isExpected` instead of comparing errno codes itself, so what devreload swallows is decided
 * (and explained) here once, as chokidar's `_handleError` does; anything else surfaces.
 */
const expectedCodes = {
  // kill(2): no such process or group, it already exited.
  processGone: ['ESRCH'],
  // /proc/<pid>/…: the process exited between readdir and read (ENOENT, or ESRCH mid-read),
  // or hidepid hides another user's process (EACCES). Either way it is not ours.
  procEntryGone: ['ENOENT', 'ESRCH', 'EACCES'],
  // A program, file or directory that does not exist (also /proc on macOS and the BSDs).
  notFound: ['ENOENT'],
  // exec(2) of a file without the x bit (EACCES) or refused by a policy (EPERM); kill(2) on
  // a process of another user (EPERM).
  notPermitted: ['EACCES', 'EPERM'],
  // Writing to a pipe whose reader closed it or exited; Node reports a write racing the
  // teardown as ERR_STREAM_DESTROYED.
  pipeClosed: ['EPIPE', 'ECONNRESET', 'ERR_STREAM_DESTROYED'],
} as const satisfies Record<string, readonly string[]>;

export type ExpectedError = keyof typeof expectedCodes;

/** The errno (or Node) code of `error`, if it has one. */
export function errorCode(error: unknown): string | undefined {
  return isErrnoException(error) ? error.code : undefined;
}

/** True when `error` is a normal outcome in `situation` (see `expectedCodes` for why each is). */
export function isExpected(error: unknown, situation: ExpectedError): error is NodeJS.ErrnoException {
  const code = errorCode(error);
  return code !== undefined && (expectedCodes[situation] as readonly string[]).includes(code);
}
