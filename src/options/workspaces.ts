import { lstatSync, readFileSync, realpathSync, statSync, type Stats } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { packageJsonUrl } from '../assets.js';
import { createGitignoreRules, type ReadGitignore } from '../watch/gitignore.js';

/**
 * The local packages a project loads through node_modules links: workspace packages (npm,
 * pnpm, yarn's node-modules linker all link `node_modules/<name>` to the package's own
 * folder) and `file:`/`link:` dependencies, followed transitively. Their folders are watched
 * beside the project's own paths, so editing `packages/shared` restarts `apps/api`
 * (nodemon #1798, yarn berry #6871).
 *
 * Runs while the options are resolved: a few lstat/readFile calls per dependency, no folder
 * listing, no YAML (pnpm-workspace.yaml is only checked for existence). Best effort: an
 * unreadable or malformed file means "nothing found here", never an error.
 *
 * Yarn Plug'n'Play has no node_modules: nothing is found there (watch the packages with --watch).
 */

interface Manifest {
  readonly workspaces?: unknown;
  readonly dependencies?: unknown;
  readonly devDependencies?: unknown;
  readonly optionalDependencies?: unknown;
  readonly peerDependencies?: unknown;
  readonly main?: unknown;
  readonly exports?: unknown;
}

/** A dependency's own devDependencies are never installed for (nor loaded by) its dependents. */
const projectFields = ['dependencies', 'devDependencies', 'optionalDependencies', 'peerDependencies'] as const;
const packageFields = ['dependencies', 'optionalDependencies', 'peerDependencies'] as const;

/** Declares local source wherever it is (npm and yarn link a `file:` folder; pnpm and yarn link `link:`/`portal:`). */
const localSpec = /^(file|link|portal):/;

/**
 * Folders to watch for the workspace packages the projects around `cwd` and `watched` depend
 * on, minus those already inside a watched path. `watched` are absolute paths.
 */
export function findWorkspaceRoots(cwd: string, watched: readonly string[]): string[] {
  const realWatched = watched.map(realOrSelf);
  const isWatched = (dir: string) => realWatched.some((root) => isInside(dir, root));
  const found: string[] = [];
  const seen = new Set<string>();
  // Each file is read once.
  const readGitignore = memo(readGitignoreFile);
  const readManifest = memo(readManifestIn);
  const folderExists = memo(isDirectory);
  // The project around the working directory and around each watched path (`--watch apps/api/src` from the repo root).
  const projects = [...new Set([cwd, ...watched].map(nearestPackageDir).filter((dir): dir is string => dir !== undefined))];
  for (const project of projects) seen.add(realOrSelf(project));
  // devreload itself, installed from a checkout (`npm install -D ../devreload` links it as a
  // `file:` package, as the README says to until it is published): a tool the app never loads.
  seen.add(realOrSelf(path.dirname(fileURLToPath(packageJsonUrl))));
  const queue = projects.map((dir) => ({ dir, fields: projectFields as readonly string[], root: findWorkspaceRoot(dir, readManifest) }));
  for (let next = queue.shift(); next !== undefined; next = queue.shift()) {
    const manifest = readManifest(next.dir);
    if (manifest === undefined) continue;
    const lookIn = nodeModulesFolders(next.dir, folderExists);
    for (const [name, spec] of dependencies(manifest, next.fields)) {
      // Outside a workspace only a local spec can lead to a link worth following: no lookup for the rest.
      if (next.root === undefined && !localSpec.test(spec)) continue;
      const linked = resolveLinked(lookIn, name);
      if (linked === undefined || seen.has(linked)) continue;
      // The workspace root itself holds every package: depending on it never means "watch the repository".
      if (linked === next.root?.real) continue;
      const inRoot = next.root !== undefined && isInside(linked, next.root.real);
      // A link to a folder outside the workspace with a registry range is `npm link`: a
      // machine-local state that may point at any checkout; --watch names it if wanted.
      if (!inRoot && !localSpec.test(spec)) continue;
      seen.add(linked);
      // Shown as the user reached it (not through /private/var on macOS, for instance).
      const shown = inRoot && next.root !== undefined ? path.join(next.root.dir, path.relative(next.root.real, linked)) : linked;
      if (!isWatched(linked)) found.push(shown, ...builtEntryFolders(shown, readManifest(shown), readGitignore, inRoot ? next.root?.dir : undefined));
      queue.push({ dir: shown, fields: packageFields, root: next.root });
    }
  }
  return found;
}

/** The nearest folder at or above `start` with a package.json. */
function nearestPackageDir(start: string): string | undefined {
  for (let dir = directoryOf(start); ; dir = path.dirname(dir)) {
    if (isFile(path.join(dir, 'package.json'))) return dir;
    if (path.dirname(dir) === dir) return undefined;
  }
}

/** The nearest folder at or above the project that declares workspaces (package.json `workspaces`, or pnpm-workspace.yaml). */
function findWorkspaceRoot(project: string, readManifest: (dir: string) => Manifest | undefined): { dir: string; real: string } | undefined {
  for (let dir = project; ; dir = path.dirname(dir)) {
    const workspaces = readManifest(dir)?.workspaces;
    // npm and yarn: an array of globs; yarn 1 also { packages: [...] }.
    const declared = Array.isArray(workspaces) || (isObject(workspaces) && Array.isArray(workspaces.packages));
    if (declared || isFile(path.join(dir, 'pnpm-workspace.yaml'))) return { dir, real: realOrSelf(dir) };
    if (path.dirname(dir) === dir) return undefined;
  }
}

/** The node_modules folders Node looks in from `from`, nearest first, minus those that do not exist (asked once each). */
function nodeModulesFolders(from: string, folderExists: (dir: string) => boolean): string[] {
  const folders: string[] = [];
  for (let dir = from; ; dir = path.dirname(dir)) {
    const folder = path.join(dir, 'node_modules');
    if (path.basename(dir) !== 'node_modules' && folderExists(folder)) folders.push(folder);
    if (path.dirname(dir) === dir) return folders;
  }
}

/**
 * Where Node would find `name` in `lookIn`, as a real folder outside every node_modules:
 * only a link can lead there. A package installed from the registry (a plain folder, or
 * pnpm's link into node_modules/.pnpm) gives undefined.
 */
function resolveLinked(lookIn: readonly string[], name: string): string | undefined {
  for (const folder of lookIn) {
    const candidate = `${folder}${path.sep}${name}`;
    const stats = lstatOrUndefined(candidate);
    if (stats === undefined) continue;
    if (!stats.isSymbolicLink()) return undefined;
    const real = realOrUndefined(candidate);
    // A dangling link: Node looks further up.
    if (real === undefined) continue;
    return real.split(path.sep).includes('node_modules') ? undefined : real;
  }
  return undefined;
}

/**
 * A package whose `main` or `exports` point into a gitignored folder (`dist/`, built by its own
 * `tsc --watch`) is loaded from there: that folder is watched as a path of its own, where
 * only the .gitignore files inside it apply (watch/ignore-rules.ts). Its source folder is
 * watched too (a tsconfig `paths` mapping or a `development` condition may load the source
 * instead).
 */
function builtEntryFolders(dir: string, manifest: Manifest | undefined, readGitignore: ReadGitignore, workspaceRoot: string | undefined): string[] {
  if (manifest === undefined) return [];
  const targets = [manifest.main, ...stringLeaves(manifest.exports)].filter((t): t is string => typeof t === 'string');
  const folders = new Set<string>();
  for (const target of targets) {
    // `./dist/index.js` → dist; `./index.js` (the package's own folder) and `../x` → nothing.
    const segments = path.normalize(target).split(/[\\/]/).filter((segment) => segment !== '' && segment !== '.');
    const first = segments[0];
    if (segments.length > 1 && first !== undefined && first !== '..') folders.add(first);
  }
  if (folders.size === 0) return [];
  return [...folders].map((folder) => path.join(dir, folder)).filter((folder) => isDirectory(folder) && gitignoresFolder(workspaceRoot ?? dir, folder, readGitignore));
}

/**
 * Whether the .gitignore files from `base` down to `folder`'s parent ignore `folder`, as the
 * watcher reads them (watch/gitignore.ts): a folder it ignores is one the watcher would not
 * look into, so it is watched as a path of its own.
 */
export function gitignoresFolder(base: string, folder: string, readGitignore: ReadGitignore): boolean {
  // Best effort: an unreadable .gitignore counts as empty here; the watcher reports it.
  const rules = createGitignoreRules(base, readGitignore, () => undefined);
  return rules.match(path.relative(base, folder).split(path.sep).join('/'), true) !== undefined;
}

/** A .gitignore's text, undefined when there is none or it cannot be read. */
function readGitignoreFile(file: string): string | undefined {
  try {
    // Asked first: most folders have none, and a thrown ENOENT costs its stack trace.
    return isFile(file) ? readFileSync(file, 'utf8') : undefined;
  } catch {
    return undefined;
  }
}

function stringLeaves(value: unknown): unknown[] {
  if (typeof value === 'string') return [value];
  if (Array.isArray(value)) return value.flatMap(stringLeaves);
  return isObject(value) ? Object.values(value).flatMap(stringLeaves) : [];
}

function dependencies(manifest: Manifest, fields: readonly string[]): [string, string][] {
  return fields.flatMap((field) => {
    const deps = manifest[field as keyof Manifest];
    return isObject(deps) ? Object.entries(deps).map(([name, spec]): [string, string] => [name, String(spec)]) : [];
  });
}

function readManifestIn(dir: string): Manifest | undefined {
  const file = path.join(dir, 'package.json');
  try {
    if (!isFile(file)) return undefined;
    const data: unknown = JSON.parse(readFileSync(file, 'utf8'));
    return isObject(data) ? (data as Manifest) : undefined;
  } catch {
    // Absent, unreadable or malformed: not a package devreload can follow.
    return undefined;
  }
}

function directoryOf(target: string): string {
  return isDirectory(target) ? target : path.dirname(target);
}

function isFile(file: string): boolean {
  return statOrUndefined(file)?.isFile() ?? false;
}

function isDirectory(dir: string): boolean {
  return statOrUndefined(dir)?.isDirectory() ?? false;
}

/** throwIfNoEntry spares the common ENOENT its exception; ENOTDIR or EACCES still throw. */
function statOrUndefined(target: string): Stats | undefined {
  try {
    return statSync(target, { throwIfNoEntry: false });
  } catch {
    return undefined;
  }
}

function lstatOrUndefined(target: string): Stats | undefined {
  try {
    return lstatSync(target, { throwIfNoEntry: false });
  } catch {
    return undefined;
  }
}

function realOrUndefined(target: string): string | undefined {
  try {
    return realpathSync.native(target);
  } catch {
    // A dangling link (a package removed since the install).
    return undefined;
  }
}

function realOrSelf(target: string): string {
  return realOrUndefined(target) ?? target;
}

function isInside(target: string, folder: string): boolean {
  const relative = path.relative(folder, target);
  return relative === '' || (!relative.startsWith('..') && !path.isAbsolute(relative));
}

function memo<T>(make: (key: string) => T): (key: string) => T {
  const made = new Map<string, T>();
  return (key) => {
    if (made.has(key)) return made.get(key) as T;
    const value = make(key);
    made.set(key, value);
    return value;
  };
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
