import { parse, printParseErrorCode, type ParseError } from 'jsonc-parser';
import { DevreloadError } from '../errors.js';

export interface JsonTextOptions {
  /**
   * Accept `//` and `/* *\/` comments and trailing commas, as tsconfig.json does: a config file
   * is where a team explains its settings. package.json is read by npm and every other tool
   * as strict JSON, so a comment there would break them even if devreload took it.
   */
  readonly comments: boolean;
}

/**
 * Parses a config file's text. A syntax error becomes one DevreloadError line naming the
 * file, the line and column of the first error (later ones are mostly its echoes) and what
 * was expected there.
 */
export function parseJsonText(text: string, where: string, options: JsonTextOptions): unknown {
  const errors: ParseError[] = [];
  // Windows editors may save a byte-order mark; npm and require() skip it as well.
  if (text.startsWith('\uFEFF')) text = text.slice(1);
  // Most files are plain JSON (package.json always): JSON.parse takes them without loading
  // jsonc-parser, which is on the way to the first spawn (~1 ms). Comments, trailing commas and
  // errors (with their line and column) are jsonc-parser's.
  try {
    return JSON.parse(text) as unknown;
  } catch {
    // Parsed again below.
  }
  const data: unknown = parse(text, errors, { disallowComments: !options.comments, allowTrailingComma: options.comments });
  const first = errors[0];
  if (first === undefined) return data;
  const { line, column } = position(text, first.offset);
  throw new DevreloadError(`${where}: invalid JSON at line ${line}, column ${column}: ${explain(first, text, options)}`);
}

// Keyed by name: ParseErrorCode is a const enum, which isolatedModules cannot read.
const expected: Record<string, string> = {
  ValueExpected: 'expected a value',
  CommaExpected: 'expected a comma',
  ColonExpected: 'expected a colon',
  PropertyNameExpected: 'expected a key in double quotes',
  CloseBraceExpected: 'expected "}"',
  CloseBracketExpected: 'expected "]"',
  EndOfFileExpected: 'expected the end of the file',
  UnexpectedEndOfComment: 'expected "*/" to close the comment',
  UnexpectedEndOfString: 'expected a closing double quote',
  UnexpectedEndOfNumber: 'expected a digit',
  InvalidUnicode: 'expected four hex digits after \\u',
  InvalidEscapeCharacter: 'expected an escape such as \\n, \\" or \\\\',
  InvalidCharacter: 'expected a tab or line break inside a string to be escaped (\\t, \\n)',
};

function explain(error: ParseError, text: string, options: JsonTextOptions): string {
  const code = printParseErrorCode(error.error);
  if (code === 'InvalidCommentToken' && !options.comments) return 'expected no comments: this file is strict JSON';
  // `{ delay: 1 }`, `'single'`, `tru`: name what is there, since anything could have been meant.
  if (code === 'InvalidSymbol') return `expected a value or a key in double quotes, got ${JSON.stringify(text.slice(error.offset, error.offset + Math.min(error.length, 20)))}`;
  return expected[code] ?? code.replace(/([a-z])([A-Z])/g, '$1 $2').toLowerCase();
}

function position(text: string, offset: number): { line: number; column: number } {
  const before = text.slice(0, offset).split('\n');
  return { line: before.length, column: (before.at(-1)?.length ?? 0) + 1 };
}
