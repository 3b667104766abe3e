import { lstatSync } from 'node:fs';
import path from 'node:path';
import { createGitignoreRules } from './gitignore.js';
import type { GitignoreRules, ReadGitignore } from './gitignore.js';

/**
 * Which .gitignore rules apply to an absolute path, as git reads them: every .gitignore from the
 * top of the path's repository down to the path's folder. The top is the nearest folder holding
 * a `.git` (a folder, or a file in worktrees and submodules); a nested repository below a
 * watched folder is a top of its own, which its parent's rules do not reach.
 *
 * Without a `.git` above, the top is cwd for paths at or below it (devreload's behaviour before
 * it looked for repositories), and otherwise the outermost watched path holding the path: no
 * .gitignore of an unrelated folder above (a home folder) is read on a guess.
 *
 * A rule is reported with its file's path relative to cwd (`../../.gitignore`), for --verbose.
 */
export interface GitignoreLookup {
  /** The rule that ignores `absPath` (absolute, normal, strictly below its top), or undefined. */
  match(absPath: string, isDirectory: boolean): string | undefined;
  /** The top whose rules apply to the entries of `absDir` (itself when it is one). */
  topOf(absDir: string): string;
  /** Forgets the rules of `absDir` (its .gitignore changed) and of the folders below it. */
  reload(absDir: string): void;
  /**
   * Makes `absDir` a top of its own: the outermost folder that its repository ignores on the way
   * to a watched folder (build output, a project inside a home folder's repository that ignores
   * `*`). The watched folder then keeps the .gitignore files from there down, where git would
   * read none.
   */
  addOwnTop(absDir: string): void;
  /** Forgets every addOwnTop() (the rules changed: which folders are ignored is asked again). */
  clearOwnTops(): void;
}

export function createGitignoreLookup(
  cwd: string,
  roots: readonly string[],
  readGitignore: ReadGitignore | undefined,
  onUnreadable: (error: unknown) => void,
  hasGit: (absDir: string) => boolean = hasGitEntry,
): GitignoreLookup {
  const gitSeen = new Map<string, boolean>();
  const isRepositoryTop = (dir: string): boolean => {
    let seen = gitSeen.get(dir);
    if (seen === undefined) {
      seen = hasGit(dir);
      gitSeen.set(dir, seen);
    }
    return seen;
  };
  const inRepository = (dir: string): boolean => {
    for (let folder = dir; ; folder = path.dirname(folder)) {
      if (isRepositoryTop(folder)) return true;
      if (path.dirname(folder) === folder) return false;
    }
  };

  // Tops where no .git was found above: cwd, and the outermost watched paths outside it.
  const fallbacks = new Set<string>();
  const cwdIsFallback = !inRepository(cwd);
  if (cwdIsFallback) fallbacks.add(cwd);
  const bare = roots.filter((root) => !inRepository(root) && !(cwdIsFallback && isInside(root, cwd)));
  for (const root of bare) {
    if (!bare.some((other) => other !== root && isInside(root, other))) fallbacks.add(root);
  }

  const ownTops = new Set<string>();
  const tops = new Map<string, string>();
  const topOf = (dir: string): string => {
    const known = tops.get(dir);
    if (known !== undefined) return known;
    const parent = path.dirname(dir);
    const top = isRepositoryTop(dir) || fallbacks.has(dir) || ownTops.has(dir) || parent === dir ? dir : topOf(parent);
    tops.set(dir, top);
    return top;
  };

  const forgetTopsBelow = (absDir: string): void => {
    for (const known of [...tops.keys()]) if (isInside(known, absDir)) tops.delete(known);
  };

  const rulesByTop = new Map<string, GitignoreRules>();
  const rulesOf = (top: string): GitignoreRules => {
    let rules = rulesByTop.get(top);
    if (rules === undefined) {
      // --verbose names a file above cwd as the user sees it from there (../../.gitignore).
      const nameOf = top === cwd ? undefined : (relDir: string) => toPosix(path.relative(cwd, path.join(top, relDir, '.gitignore')));
      rules = createGitignoreRules(top, readGitignore, onUnreadable, nameOf);
      rulesByTop.set(top, rules);
    }
    return rules;
  };

  return {
    topOf,
    match(absPath, isDirectory) {
      const top = topOf(path.dirname(absPath));
      if (!isInside(absPath, top) || absPath === top) return undefined;
      return rulesOf(top).match(toPosix(below(top, absPath)), isDirectory);
    },
    addOwnTop(absDir) {
      if (ownTops.has(absDir)) return;
      ownTops.add(absDir);
      forgetTopsBelow(absDir);
    },
    clearOwnTops() {
      for (const dir of ownTops) forgetTopsBelow(dir);
      ownTops.clear();
    },
    reload(absDir) {
      // Every top above it, not only the current one: a folder that is a top of its own now may
      // not be after the next edit, and its repository's rules must not keep the old file.
      for (const [top, rules] of rulesByTop) if (isInside(absDir, top)) rules.reload(toPosix(below(top, absDir)));
    },
  };
}

/** `.git` in any form: a folder, or a file pointing elsewhere (worktrees, submodules). */
function hasGitEntry(dir: string): boolean {
  try {
    return lstatSync(path.join(dir, '.git'), { throwIfNoEntry: false }) !== undefined;
  } catch {
    // ENOTDIR (a watched file), EACCES: no repository here that we can see.
    return false;
  }
}

// Called several times per path and event: compares in place instead of building `folder + sep`.
export function isInside(target: string, folder: string): boolean {
  if (target === folder) return true;
  if (target.length <= folder.length || !target.startsWith(folder)) return false;
  return folder.endsWith(path.sep) || target.startsWith(path.sep, folder.length);
}

/** `target` relative to `folder`, which contains it (both absolute and normal), without path.relative()'s resolving. */
export function below(folder: string, target: string): string {
  if (target === folder) return '';
  return target.slice(folder.endsWith(path.sep) ? folder.length : folder.length + 1);
}

function toPosix(value: string): string {
  return path.sep === '/' ? value : value.split(path.sep).join('/');
}
