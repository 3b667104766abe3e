import { lstatSync, readFileSync } from 'node:fs';
import path from 'node:path';
import ignore from 'ignore';
import type { Ignore, TestResult } from 'ignore';
import { DevreloadError, isErrnoException } from '../errors.js';

/**
 * .gitignore semantics for paths inside `cwd` (a repository's top, see gitignore-lookup.ts):
 * the top's file and nested ones, each
 * pattern relative to its own folder, negations, "last matching pattern wins", and
 * "a path inside an ignored folder is ignored" (git never re-includes it).
 *
 * Each folder's rules are read once, the first time a path in it is checked, which
 * for existing folders is the initial scan. An edited .gitignore is re-read by reload():
 * the watcher calls it on the file's change event, and watches what the old rules had
 * pruned and the new ones no longer ignore (see IgnoreRules.reloadGitignore).
 */
export interface GitignoreRules {
  /** The rule that ignores `relPath` (POSIX separators, relative to cwd, inside it). */
  match(relPath: string, isDirectory: boolean): string | undefined;
  /** Forgets the rules of `relDir` (its .gitignore changed) and of every folder below it, which inherit them. */
  reload(relDir: string): void;
}

export type ReadGitignore = (file: string) => string | undefined;

// git only folds case where the file system does (core.ignorecase).
const IGNORE_CASE = process.platform === 'darwin' || process.platform === 'win32';

/**
 * `onUnreadable` hears about a .gitignore that exists but cannot be read (the folder's
 * rules then count as empty). It runs inside chokidar's `ignored` callback, so it must
 * not throw there; by default it throws, for callers that check up front.
 */
export function createGitignoreRules(
  cwd: string,
  readGitignore: ReadGitignore = readOptionalFile,
  onUnreadable: (error: unknown) => void = (error) => {
    throw error;
  },
  /** How --verbose names the .gitignore of `relDir` (default: relative to `cwd`). */
  nameOf?: (relDir: string) => string,
): GitignoreRules {
  // Rules that apply to the entries of a folder: the folder's own .gitignore appended to
  // its parent's chain, rewritten relative to cwd so one `ignore` instance can apply
  // git's precedence (deeper files later, last match wins) and parent exclusion at once.
  const chains = new Map<string, Ignore | undefined>();

  const chainFor = (relDir: string): Ignore | undefined => {
    if (chains.has(relDir)) return chains.get(relDir);
    const parent = relDir === '' ? undefined : chainFor(parentOf(relDir));
    const file = path.join(cwd, relDir, '.gitignore');
    let content: string | undefined;
    try {
      content = readGitignore(file);
    } catch (error) {
      chains.set(relDir, parent);
      onUnreadable(error);
      return parent;
    }
    const patterns = content === undefined ? [] : toCwdPatterns(content, relDir, nameOf?.(relDir));
    const chain =
      patterns.length === 0
        ? parent
        : ignore({ ignoreCase: IGNORE_CASE }).add(parent ?? []).add(patterns);
    chains.set(relDir, chain);
    return chain;
  };

  return {
    reload(relDir) {
      for (const known of [...chains.keys()]) {
        if (relDir === '' || known === relDir || known.startsWith(`${relDir}/`)) chains.delete(known);
      }
    },
    match(relPath, isDirectory) {
      const chain = chainFor(parentOf(relPath));
      if (chain === undefined) return undefined;
      // `ignore` tells folders from files only by a trailing slash (for `build/` rules).
      return describe(chain.test(isDirectory ? `${relPath}/` : relPath));
    },
  };
}

function describe(result: TestResult): string | undefined {
  if (!result.ignored) return undefined;
  return `.gitignore: ${result.rule?.mark ?? result.rule?.pattern ?? '(unknown rule)'}`;
}

function parentOf(relPath: string): string {
  const slash = relPath.lastIndexOf('/');
  return slash === -1 ? '' : relPath.slice(0, slash);
}

/** One .gitignore's lines as patterns relative to cwd, each marked with its origin. */
export function toCwdPatterns(
  content: string,
  relDir: string,
  source = relDir === '' ? '.gitignore' : `${relDir}/.gitignore`,
): { pattern: string; mark: string }[] {
  const lines = content.replace(/^\uFEFF/, '').split(/\r?\n/);
  const patterns: { pattern: string; mark: string }[] = [];
  for (const line of lines) {
    const pattern = relDir === '' ? line : rebase(line, relDir);
    if (pattern !== undefined && pattern.trim() !== '' && !pattern.startsWith('#')) {
      patterns.push({ pattern, mark: `${line.trim()} (${source})` });
    }
  }
  return patterns;
}

/** Rewrites a pattern from a nested .gitignore so that it means the same from cwd. */
function rebase(line: string, relDir: string): string | undefined {
  // git drops unescaped trailing spaces before it looks at slashes.
  let body = line.replace(/(?<!\\) +$/, '');
  if (body === '' || body.startsWith('#')) return undefined;
  const negative = body.startsWith('!');
  if (negative) body = body.slice(1);
  // `\#` and `\!` only need their escape at the start of a pattern; mid-pattern they
  // are literal characters, which is where they land after the folder prefix.
  if (body.startsWith('\\#') || body.startsWith('\\!')) body = body.slice(1);
  const directoryOnly = body.endsWith('/');
  const core = directoryOnly ? body.slice(0, -1) : body;
  if (core === '') return undefined;
  // A slash at the start or in the middle anchors the pattern to the .gitignore's
  // folder; otherwise it matches at any depth below that folder.
  const anchored = core.includes('/');
  const rebased = anchored ? core.replace(/^\/+/, '') : `**/${core}`;
  const prefix = escapeGlob(relDir);
  return `${negative ? '!' : ''}${prefix}/${rebased}${directoryOnly ? '/' : ''}`;
}

/** Folder names such as Next.js's `[id]` must match literally inside a pattern. */
function escapeGlob(relDir: string): string {
  const escaped = relDir.replace(/[\\*?[\]]/g, '\\$&');
  return escaped.startsWith('#') || escaped.startsWith('!') ? `\\${escaped}` : escaped;
}

export function readOptionalFile(file: string): string | undefined {
  try {
    // Most folders have no .gitignore: asking first spares the scan an ENOENT exception (and
    // its stack trace) per folder. lstat, not existsSync: one that exists but cannot be read
    // (a symlink loop) must still be an error. A file deleted in between lands in the catch.
    if (lstatSync(file, { throwIfNoEntry: false }) === undefined) return undefined;
    return readFileSync(file, 'utf8');
  } catch (error) {
    // Absent (or a folder named .gitignore, or a parent that is a file after a race).
    if (isErrnoException(error) && ['ENOENT', 'ENOTDIR', 'EISDIR'].includes(error.code ?? '')) {
      return undefined;
    }
    throw new DevreloadError(
      `Cannot read ${file} (${isErrnoException(error) ? error.code : String(error)}): ` +
        'fix its permissions, or turn .gitignore support off.',
      { cause: error },
    );
  }
}
