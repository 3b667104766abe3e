import { existsSync } from 'node:fs';
import path from 'node:path';
import picomatch from 'picomatch';
import { isInside } from '../watch/gitignore-lookup.js';
import { compileUserGlobs, type GlobMatcher } from '../watch/user-globs.js';

/** What a changed file means: restart the app, reload the pages only, or nothing (watched for `--reload-only` alone). */
export type ChangeRoute = 'restart' | 'reload' | 'ignore';

export interface ChangeRules {
  /** Absolute `--watch` paths and env files: a change in them restarts the app. */
  readonly watched: readonly string[];
  /** `--reload-only` globs, as `--ignore` globs match (a glob without a slash matches a name at any depth). */
  readonly reloadOnly: GlobMatcher | undefined;
}

export function changeRules(watched: readonly string[], reloadOnly: readonly string[], cwd: string): ChangeRules {
  return { watched, reloadOnly: compileUserGlobs(reloadOnly, cwd) };
}

/**
 * Decides before the restart machine sees a change: a `--reload-only` file reloads the pages
 * and leaves the app running, wherever it is; any other file restarts the app if it is in a
 * watched path, and is nothing otherwise (it was only seen because a `--reload-only` folder
 * outside the watched paths is watched too).
 */
export function routeChange(changed: string, rules: ChangeRules): ChangeRoute {
  if (rules.reloadOnly?.(changed) !== undefined) return 'reload';
  return rules.watched.some((root) => isInside(changed, root)) ? 'restart' : 'ignore';
}

/**
 * The folders (or files) `--reload-only` globs name outside the watched paths, which the watcher
 * must watch as well: `views/**` with `--watch src` adds `views`. A glob without a slash (`*.css`)
 * matches inside the watched paths only, and a folder that does not exist yet is left out.
 */
export function reloadOnlyRoots(globs: readonly string[], cwd: string, watched: readonly string[]): string[] {
  const roots = new Set<string>();
  for (const glob of globs) {
    if (!glob.includes('/')) continue;
    const base = path.resolve(cwd, picomatch.scan(glob.trim()).base || '.');
    if (watched.some((root) => isInside(base, root)) || !existsSync(base)) continue;
    roots.add(base);
  }
  // `views/**` and `views/partials/*.ejs`: one watch on views covers both.
  return [...roots].filter((root) => ![...roots].some((other) => other !== root && isInside(root, other)));
}
