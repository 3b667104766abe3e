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
