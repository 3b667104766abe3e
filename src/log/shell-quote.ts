/**
 * A command line as a POSIX shell reads it back: the `started` line can be copied into a
 * terminal and runs the same program with the same arguments (devreload itself runs it
 * without a shell).
 */
export function shellQuote(argv: readonly string[]): string {
  return argv.map((arg, index) => quoteArg(arg, index === 0)).join(' ');
}

/** An app's command as the user gave it: an argv quoted as shellQuote does, an `--exec` line as it is. */
export function commandLine(command: string | readonly string[]): string {
  return typeof command === 'string' ? command : shellQuote(command);
}

// Characters no POSIX shell treats specially anywhere in a word. `=` is only special in the
// first word, where `a=b cmd` is an assignment, not a command.
const plain = /^[\w@%+,./:-]+$/;
const plainArg = /^[\w@%+,./:=-]+$/;

function quoteArg(arg: string, first: boolean): string {
  if ((first ? plain : plainArg).test(arg)) return arg;
  // Single quotes keep everything literal; a single quote itself is closed, escaped, reopened.
  return `'${arg.replace(/'/g, `'\\''`)}'`;
}
