import path from 'node:path';
import picomatch from 'picomatch';
import { DevreloadError } from '../errors.js';

/**
 * The user's ignore globs (picomatch syntax), relative to cwd.
 *
 * - A glob without a slash (`*.log`, `dist`) matches a name at any depth, as in
 *   .gitignore: that is what people mean by `--ignore '*.test.ts'`.
 * - A glob with a slash (`src/generated/**`) is anchored at cwd.
 * - Absolute globs are matched against absolute paths.
 * - Dotfiles and dot-folders match like any other name (`**\/*.log` covers `.cache/a.log`).
 */
export type GlobMatcher = (absPath: string) => string | undefined;

interface CompiledGlob {
  readonly rule: string;
  readonly absolute: boolean;
  readonly test: (candidate: string) => boolean;
}

export function compileUserGlobs(globs: readonly string[], cwd: string): GlobMatcher | undefined {
  if (globs.length === 0) return undefined;
  const compiled = globs.map((glob) => compileGlob(glob, cwd));
  return (absPath) => {
    let relative: string | undefined;
    for (const glob of compiled) {
      // Paths outside cwd become `../x`, which anchored globs can still name explicitly.
      relative ??= toPosix(path.relative(cwd, absPath));
      if (glob.test(glob.absolute ? toPosix(absPath) : relative)) return glob.rule;
    }
    return undefined;
  };
}

function compileGlob(glob: string, cwd: string): CompiledGlob {
  let pattern = glob.trim();
  if (pattern === '') {
    throw new DevreloadError(
      'ignore: an empty glob was given; remove it or pass a pattern such as "dist/**".',
    );
  }
  if (path.isAbsolute(pattern)) {
    const inside = path.relative(cwd, pattern);
    if (!inside.startsWith('..') && !path.isAbsolute(inside)) pattern = inside || '.';
  }
  pattern = toPosix(pattern)
    .replace(/^(\.\/)+/, '')
    // `dist/` means the folder; matching the folder already drops everything inside.
    .replace(/(.)\/+$/, '$1');
  const absolute = pattern.startsWith('/');
  const test = picomatch(pattern, {
    dot: true,
    // picomatch's basename mode breaks globs that contain a slash: only slash-less ones.
    basename: !pattern.includes('/'),
  });
  return { rule: `ignore glob: ${glob}`, absolute, test };
}

function toPosix(value: string): string {
  return path.sep === '/' ? value : value.split(path.sep).join('/');
}
