import type { Stats } from 'node:fs';
import path from 'node:path';
import { DevreloadError } from '../errors.js';
import { matchAlwaysIgnored } from './always-ignored.js';
import { createGitignoreRules } from './gitignore.js';
import type { GitignoreRules } from './gitignore.js';
import { compileUserGlobs } from './user-globs.js';

export interface IgnoreMatcherOptions {
  readonly paths: readonly string[];
  readonly cwd: string;
  readonly ext?: readonly string[] | undefined;
  readonly ignore?: readonly string[] | undefined;
  readonly gitignore?: boolean | undefined;
}

/** What chokidar passes when it has stat'ed the path (it often has not). */
export type StatsLike = Pick<Stats, 'isFile' | 'isDirectory'>;

/** The rule that drops `absPath`, or undefined when the path is relevant. */
export type IgnoreMatcher = (absPath: string, stats?: StatsLike) => string | undefined;

/**
 * Decides which paths the watcher drops; the same function prunes chokidar's scan
 * (so ignored folders are never read nor watched) and filters emitted events.
 *
 * A watched path itself is never ignored, and rules only look below it: `--watch .env`
 * works although .env is gitignored, `--watch dist` works although dist/ is, and
 * `--watch node_modules/my-lib` works (its own nested node_modules stay ignored).
 */
export function createIgnoreMatcher(
  options: IgnoreMatcherOptions,
  onError?: (error: unknown) => void,
): IgnoreMatcher {
  const cwd = path.resolve(options.cwd);
  const roots = options.paths.map((root) => path.resolve(root));
  const extensions = normalizeExtensions(options.ext);
  const globs = compileUserGlobs(options.ignore ?? [], cwd);
  const gitignore = options.gitignore === false ? undefined : checkedGitignore(cwd, onError);
  const rootsIgnoredByGit = new Map<string, boolean>();

  const matchGitignore = (rules: GitignoreRules, root: string, target: string, isDir: boolean) => {
    if (!isInside(target, cwd) || target === cwd) return undefined;
    if (isInside(root, cwd) && root !== cwd) {
      let rootIgnored = rootsIgnoredByGit.get(root);
      if (rootIgnored === undefined) {
        rootIgnored = rules.match(toPosix(below(cwd, root)), true) !== undefined;
        rootsIgnoredByGit.set(root, rootIgnored);
      }
      // The user asked for a gitignored folder (build output, generated code): watch it.
      if (rootIgnored) return undefined;
    }
    return rules.match(toPosix(below(cwd, target)), isDir);
  };

  // chokidar asks about every path of the initial scan about four times (reading the folder,
  // before and after its stat, before reporting). The copies path.resolve() and path.relative()
  // made here were 28% of a 10k-file scan's allocations (475 scavenges of 1 MiB; 342 with a
  // no-op matcher; 362 now), and scan garbage that outlives a scavenge stays in the supervisor's
  // RSS for many seconds. So: no copy of a path that is already absolute and normal, slices
  // instead of relative().
  return (absPath, stats) => {
    const target = normalAbsolute(absPath);
    const root = findWatchRoot(roots, target);
    // Outside every root: chokidar watches a single file's parent folder to notice the
    // file coming back after a delete; leave those internal checks alone.
    if (root === undefined || root === target) return undefined;
    const segments = below(root, target).split(path.sep);
    return (
      matchAlwaysIgnored(segments) ??
      matchExtension(target, stats, extensions) ??
      matchAncestorsOrSelf(root, segments, globs) ??
      (gitignore && matchGitignore(gitignore, root, target, stats?.isDirectory() ?? false))
    );
  };
}

/**
 * The root .gitignore is read now, so that an unreadable one is a clear error from
 * createWatcher(); nested ones are read during the scan, where errors go to `onError`.
 */
function checkedGitignore(cwd: string, onError: ((error: unknown) => void) | undefined): GitignoreRules {
  let report = (error: unknown): void => {
    throw error;
  };
  const rules = createGitignoreRules(cwd, undefined, (error) => report(error));
  rules.match('.gitignore', false);
  if (onError !== undefined) report = onError;
  return rules;
}

/** The deepest watched path that is `target` or one of its ancestors. */
export function findWatchRoot(roots: readonly string[], target: string): string | undefined {
  let best: string | undefined;
  for (const root of roots) {
    if (isInside(target, root) && (best === undefined || root.length > best.length)) best = root;
  }
  return best;
}

// Called several times per path and event: compares in place instead of building
// `folder + sep` (a new string, flattened again on every call).
function isInside(target: string, folder: string): boolean {
  if (target === folder) return true;
  if (target.length <= folder.length || !target.startsWith(folder)) return false;
  return folder.endsWith(path.sep) || target.startsWith(path.sep, folder.length);
}

/** `target` relative to `folder`, which contains it (both absolute and normal): path.relative() without resolving both again. */
function below(folder: string, target: string): string {
  if (target === folder) return '';
  return target.slice(folder.endsWith(path.sep) ? folder.length : folder.length + 1);
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

function toPosix(value: string): string {
  return path.sep === '/' ? value : value.split(path.sep).join('/');
}
