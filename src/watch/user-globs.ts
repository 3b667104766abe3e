import path from 'node:path';
import picomatch from 'picomatch';
import { DevreloadError } from '../errors.js';
import { isInside } from './gitignore-lookup.js';

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

/**
 * Files named on purpose by globs (`--reload-only`): they count whatever `ext` and .gitignore
 * say, as a path named in `--watch` does; node_modules, VCS folders and `--ignore` still win.
 */
export interface NamedFiles {
  /** A glob names this file. */
  names(absPath: string): boolean;
  /** A glob may name something below this folder: it is walked even when .gitignore ignores it. */
  reaches(folder: string): boolean;
}

/**
 * The files `globs` name. Gitignored folders are walked for them only below a glob's fixed part
 * (`public` for `public/**`): a glob that has no slash or starts with a wildcard (`*.css`,
 * `**\/*.css`) would have every gitignored folder walked (dist, coverage, target…), and so
 * overrides .gitignore only for the files in folders watched anyway.
 */
export function namedByGlobs(globs: readonly string[], cwd: string): NamedFiles | undefined {
  const matcher = compileUserGlobs(globs, cwd);
  if (matcher === undefined) return undefined;
  const bases: string[] = [];
  for (const glob of globs) {
    const pattern = normalizePattern(glob, cwd);
    if (!pattern.includes('/')) continue;
    const { base } = picomatch.scan(pattern);
    if (base !== '' && base !== '.') bases.push(path.resolve(cwd, base));
  }
  return {
    names: (absPath) => matcher(absPath) !== undefined,
    reaches: (folder) => bases.some((base) => isInside(folder, base) || isInside(base, folder)),
  };
}

function compileGlob(glob: string, cwd: string): CompiledGlob {
  const pattern = normalizePattern(glob, cwd);
  const absolute = pattern.startsWith('/');
  const test = picomatch(pattern, {
    dot: true,
    // picomatch's basename mode breaks globs that contain a slash: only slash-less ones.
    basename: !pattern.includes('/'),
  });
  return { rule: `ignore glob: ${glob}`, absolute, test };
}

/** The glob as matched: relative to cwd when it is inside it, `./` and a trailing slash dropped. */
function normalizePattern(glob: string, cwd: string): string {
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
  return (
    toPosix(pattern)
      .replace(/^(\.\/)+/, '')
      // `dist/` means the folder; matching the folder already drops everything inside.
      .replace(/(.)\/+$/, '$1')
  );
}

function toPosix(value: string): string {
  return path.sep === '/' ? value : value.split(path.sep).join('/');
}
