import { lstatSync } from 'node:fs';
import type { Stats } from 'node:fs';
import path from 'node:path';
import { DevreloadError } from '../errors.js';
import { matchAlwaysIgnored } from './always-ignored.js';
import { matchDataFile } from './data-files.js';
import { below, createGitignoreLookup, isInside } from './gitignore-lookup.js';
import type { GitignoreLookup } from './gitignore-lookup.js';
import { readOptionalFile } from './gitignore.js';
import { compileUserGlobs } from './user-globs.js';
import type { NamedFiles } from './user-globs.js';
import { Virtualenvs } from './virtualenvs.js';

export interface IgnoreMatcherOptions {
  readonly paths: readonly string[];
  readonly cwd: string;
  readonly ext?: readonly string[] | undefined;
  readonly ignore?: readonly string[] | undefined;
  readonly gitignore?: boolean | undefined;
  /** Files named on purpose (`--reload-only` globs): they count whatever `ext` and .gitignore say. */
  readonly named?: NamedFiles | undefined;
}

/** What chokidar passes when it has stat'ed the path (it often has not). */
export type StatsLike = Pick<Stats, 'isFile' | 'isDirectory'>;

/** The rule that drops `absPath`, or undefined when the path is relevant. */
export type IgnoreMatcher = (absPath: string, stats?: StatsLike) => string | undefined;

/** The matcher, plus what a watcher needs to keep its .gitignore rules live. */
export interface IgnoreRules extends IgnoreMatcher {
  /**
   * `absPath` is a .gitignore that devreload honours (inside a watched path, or in a folder
   * between a watched path and its repository's top; .gitignore support on): its edits re-read
   * the rules instead of restarting anything.
   */
  isRuleFile(absPath: string): boolean;
  /**
   * The .gitignore files that govern watched paths from outside every one of them (from a
   * watched folder's parent up to its repository's top): no root's watcher sees them.
   */
  outsideRuleFiles(): string[];
  /**
   * Re-reads the rules after `file` (a .gitignore) changed, so the next event meets the new ones.
   * Returns the paths the old rules ignored that the new ones do not, and that exist: the
   * watcher never descended into them and must watch them now.
   */
  reloadGitignore(file: string): string[];
}

const RULE_FILE = '.gitignore';

/**
 * Decides which paths the watcher drops; the same function prunes chokidar's scan
 * (so ignored folders are never read nor watched) and filters emitted events.
 *
 * A watched path itself is never ignored, and rules only look below it: `--watch .env`
 * works although .env is gitignored, `--watch dist` works although dist/ is (only the
 * .gitignore files inside dist apply there: it is a top of its own), and
 * `--watch node_modules/my-lib` works (its own nested node_modules stay ignored).
 */
export function createIgnoreMatcher(
  options: IgnoreMatcherOptions,
  onError?: (error: unknown) => void,
): IgnoreRules {
  const cwd = path.resolve(options.cwd);
  const roots = options.paths.map((root) => path.resolve(root));
  const extensions = normalizeExtensions(options.ext);
  const globs = compileUserGlobs(options.ignore ?? [], cwd);
  const gitignore = options.gitignore === false ? undefined : checkedGitignore(cwd, roots, onError);
  // Roots whose own top (if their repository ignores them) is known, see matchGitignore.
  const rootsChecked = new Set<string>();
  const virtualenvs = new Virtualenvs();
  // Paths a .gitignore rule dropped (the tops of pruned folders, single files): after a rule
  // is removed these are the ones to look at again. Nothing inside a pruned folder is ever here.
  const gitignored = new Set<string>();

  // Each root's top as its repository decides (addOwnTop() in matchGitignore leaves these alone).
  const rootTops = new Map(gitignore === undefined ? [] : roots.map((root) => [root, gitignore.topOf(root)]));

  const named = options.named;
  /** `isFile`: stat'ed as one. A folder, or a path not stat'ed yet, may hold what a glob names. */
  const matchGitignore = (rules: GitignoreLookup, root: string, target: string, isDir: boolean, isFile = false) => {
    if (!rootsChecked.has(root)) {
      // The user asked for a gitignored folder (build output, generated code): watch it, with
      // the .gitignore files from its outermost ignored folder down (git reads none there).
      const ownTop = outermostIgnored(rules, rootTops.get(root) ?? root, root);
      if (ownTop !== undefined) rules.addOwnTop(ownTop);
      rootsChecked.add(root);
    }
    const rule = rules.match(target, isDir);
    if (rule === undefined) return undefined;
    // Build output is what is usually gitignored, and what `--reload-only` names (compiled CSS).
    if (named !== undefined && (named.names(target) || (!isFile && named.reaches(target)))) return undefined;
    gitignored.add(target);
    return rule;
  };

  // A .gitignore in a watched folder, or in a folder from a watched path's parent up to its top.
  const governs = (folder: string): boolean =>
    roots.some((root) => isInside(folder, root) || (isInside(root, folder) && isInside(folder, rootTops.get(root) ?? root)));

  const isRuleFile = (target: string): boolean =>
    gitignore !== undefined && path.basename(target) === RULE_FILE && governs(path.dirname(target));

  const outsideRuleFiles = (): string[] => {
    if (gitignore === undefined) return [];
    const files = new Set<string>();
    for (const root of roots) {
      const top = rootTops.get(root) ?? root;
      if (top === root) continue;
      // From the root's parent up to its top (a root's own .gitignore is inside it).
      for (let folder = path.dirname(root); isInside(folder, top); folder = path.dirname(folder)) {
        const file = path.join(folder, RULE_FILE);
        if (!roots.some((other) => isInside(file, other))) files.add(file);
        if (folder === top) break;
      }
    }
    return [...files].sort();
  };

  // chokidar asks about every path of the initial scan about four times (reading the folder,
  // before and after its stat, before reporting). The copies path.resolve() and path.relative()
  // made here were 28% of a 10k-file scan's allocations (475 scavenges of 1 MiB; 342 with a
  // no-op matcher; 362 now), and scan garbage that outlives a scavenge stays in the supervisor's
  // RSS for many seconds. So: no copy of a path that is already absolute and normal, slices
  // instead of relative().
  const matcher = (absPath: string, stats?: StatsLike): string | undefined => {
    const target = normalAbsolute(absPath);
    const root = findWatchRoot(roots, target);
    // Outside every root: no rule of these applies (each root's chokidar instance keeps out
    // of what is outside it on its own: watcher.ts).
    if (root === undefined || root === target) return undefined;
    const segments = below(root, target).split(path.sep);
    const always = matchAlwaysIgnored(segments) ?? virtualenvs.match(root, target, stats?.isDirectory() ?? false);
    if (always !== undefined) return always;
    if (stats?.isDirectory() !== true && isRuleFile(target)) {
      // A .gitignore is read for its rules whatever --ext says, and even when it ignores
      // itself; only a folder around it being ignored hides it (git would not read it either).
      const folder = path.dirname(target);
      if (folder === root) return undefined;
      return matchAncestorsOrSelf(root, segments.slice(0, -1), globs) ?? (gitignore && matchGitignore(gitignore, root, folder, true));
    }
    return (
      (named?.names(target) === true ? undefined : matchExtension(target, stats, extensions)) ??
      matchAncestorsOrSelf(root, segments, globs) ??
      (gitignore && matchGitignore(gitignore, root, target, stats?.isDirectory() ?? false, stats?.isFile() ?? false)) ??
      // Last: a user's own rule for the file is the one --verbose names. As with --ext, only a
      // stat'ed file: a folder may be called `build.log`.
      (stats?.isFile() === true ? matchDataFile(segments[segments.length - 1] ?? '', extensions) : undefined)
    );
  };

  const reloadGitignore = (file: string): string[] => {
    if (gitignore === undefined) return [];
    gitignore.reload(path.dirname(normalAbsolute(file)));
    rootsChecked.clear();
    gitignore.clearOwnTops();
    const unignored: string[] = [];
    for (const candidate of [...gitignored]) {
      gitignored.delete(candidate);
      let stats: Stats | undefined;
      try {
        stats = lstatSync(candidate, { throwIfNoEntry: false });
      } catch {
        // Unreadable now: chokidar reports that when it gets there; nothing to watch yet.
        continue;
      }
      // Still ignored (by this or another rule) puts it back in the set.
      if (stats !== undefined && matcher(candidate, stats) === undefined) unignored.push(candidate);
    }
    return unignored;
  };

  return Object.assign(matcher, { isRuleFile: (file: string) => isRuleFile(normalAbsolute(file)), outsideRuleFiles, reloadGitignore });
}

/**
 * cwd's .gitignore is read now, so that an unreadable one is a clear error from createWatcher()
 * (as the options check reports it before the app starts). The others, nested or above cwd, are
 * read during the scan, where errors go to `onError` as warnings: git itself only warns.
 */
function checkedGitignore(cwd: string, roots: readonly string[], onError: ((error: unknown) => void) | undefined): GitignoreLookup {
  readOptionalFile(path.join(cwd, RULE_FILE));
  return createGitignoreLookup(cwd, roots, undefined, (error) => {
    if (onError === undefined) throw error;
    onError(error);
  });
}

/** The outermost folder below `top`, on the way down to `root` (included), that git ignores. */
function outermostIgnored(rules: GitignoreLookup, top: string, root: string): string | undefined {
  if (root === top) return undefined;
  const way: string[] = [];
  for (let folder = root; folder !== top && path.dirname(folder) !== folder; folder = path.dirname(folder)) way.push(folder);
  // `ignore` says a path inside an ignored folder is ignored: only an ignored root asks further.
  if (rules.match(root, true) === undefined) return undefined;
  for (const folder of way.reverse()) if (rules.match(folder, true) !== undefined) return folder;
  return root;
}

/** The deepest watched path that is `target` or one of its ancestors. */
export function findWatchRoot(roots: readonly string[], target: string): string | undefined {
  let best: string | undefined;
  for (const root of roots) {
    if (isInside(target, root) && (best === undefined || root.length > best.length)) best = root;
  }
  return best;
}

/** path.resolve(), minus its copy when the path is already absolute and normal (chokidar's always are). */
function normalAbsolute(candidate: string): string {
  if (path.sep !== '/' || !candidate.startsWith('/')) return path.resolve(candidate);
  const normal =
    !candidate.includes('//') &&
    !candidate.includes('/./') &&
    !candidate.includes('/../') &&
    !candidate.endsWith('/.') &&
    !candidate.endsWith('/..') &&
    (candidate === '/' || !candidate.endsWith('/'));
  return normal ? candidate : path.resolve(candidate);
}

function normalizeExtensions(ext: readonly string[] | undefined): readonly string[] | undefined {
  if (ext === undefined) return undefined;
  const normalized = ext.map((e) => e.trim().replace(/^\.+/, '').toLowerCase()).filter(Boolean);
  if (normalized.length === 0) {
    throw new DevreloadError(
      'ext: the extension list is empty; pass extensions such as "ts,js", or none to watch every file.',
    );
  }
  return normalized.map((e) => `.${e}`);
}

function matchExtension(
  target: string,
  stats: StatsLike | undefined,
  extensions: readonly string[] | undefined,
): string | undefined {
  // Only a stat'ed regular file can be filtered: chokidar first asks without stats, and
  // a folder can be named `v1.2` or `socket.io`; pruning it would hide all it contains.
  // It asks again with stats before it watches or reports anything.
  if (extensions === undefined || stats === undefined || !stats.isFile()) return undefined;
  const name = path.basename(target).toLowerCase();
  // endsWith, not extname: `d.ts` works as an extension and `env` matches `.env`.
  if (extensions.some((extension) => name.endsWith(extension))) return undefined;
  return `extension not in: ${extensions.map((e) => e.slice(1)).join(', ')}`;
}

/** A glob that matches a folder ignores everything in it, so test each level below root. */
function matchAncestorsOrSelf(
  root: string,
  segments: readonly string[],
  globs: ((absPath: string) => string | undefined) | undefined,
): string | undefined {
  if (globs === undefined) return undefined;
  let current = root;
  for (const segment of segments) {
    current = path.join(current, segment);
    const rule = globs(current);
    if (rule !== undefined) return rule;
  }
  return undefined;
}
