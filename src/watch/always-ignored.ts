/**
 * Paths no user wants to restart on, whatever the options say. Folders here are pruned
 * before chokidar reads them, so they cost neither memory nor inotify watches.
 */

/**
 * Folders tools write while the app runs or tests run, that never hold source: restarting for
 * them costs a restart per run of the tool (and one at start-up for Python's bytecode).
 */
const TOOL_CACHE_FOLDERS: readonly (readonly [string, string])[] = [
  // CPython writes compiled modules here (PEP 3147) on every import of a changed module, so
  // each edit of an imported module was followed by a second restart for its .pyc.
  ['__pycache__', 'tool cache: Python bytecode (__pycache__)'],
  // Written by every test or lint run: pytest's cache plugin (last failures), mypy's
  // incremental cache, ruff's cache, Hypothesis's example database.
  ['.pytest_cache', 'tool cache: pytest (.pytest_cache)'],
  ['.mypy_cache', 'tool cache: mypy (.mypy_cache)'],
  ['.ruff_cache', 'tool cache: ruff (.ruff_cache)'],
  ['.hypothesis', 'tool cache: Hypothesis (.hypothesis)'],
  // tox and nox build a virtualenv per environment or session in here: thousands of files
  // (installed packages, bytecode) per run.
  ['.tox', 'tool cache: tox environments (.tox)'],
  ['.nox', 'tool cache: nox sessions (.nox)'],
  // Turborepo writes .turbo/turbo-<task>.log in every package on every task run, and its
  // local cache (.turbo/cache) since turbo 2.
  ['.turbo', 'tool cache: Turborepo (.turbo)'],
  // Parcel 2's default cache folder, rewritten on every build and dev-server rebuild.
  ['.parcel-cache', 'tool cache: Parcel (.parcel-cache)'],
  // nyc (Istanbul) writes raw coverage data here on every test run.
  ['.nyc_output', 'tool cache: nyc coverage (.nyc_output)'],
  // The conventional name for a project-local cache: Parcel 1 and Gatsby use it, and tools
  // told to keep their cache in the project (`ng config cli.cache.path .cache/ng`) put it here.
  ['.cache', 'tool cache: .cache'],
  // Angular CLI's persistent build cache (.angular/cache) since v13; the folder holds nothing else.
  ['.angular', 'tool cache: Angular CLI (.angular)'],
  // Framework dev servers' generated output, rewritten on every request that compiles a page:
  // Next.js, Nuxt, SvelteKit.
  ['.next', 'tool cache: Next.js build output (.next)'],
  ['.nuxt', 'tool cache: Nuxt build output (.nuxt)'],
  ['.svelte-kit', 'tool cache: SvelteKit generated files (.svelte-kit)'],
];

/** Folder names ignored at any depth: dependencies, version-control metadata and tool caches. */
const IGNORED_FOLDERS: ReadonlyMap<string, string> = new Map([
  // Dependencies: often 100k+ files; watching them exhausts fs.inotify.max_user_watches.
  ['node_modules', 'always ignored: node_modules'],
  // Version control: every commit, fetch or status rewrites files in here.
  ['.git', 'always ignored: .git'],
  ['.hg', 'always ignored: .hg'],
  ['.svn', 'always ignored: .svn'],
  // Dependencies by other package managers: Yarn Berry keeps its zip cache, unplugged
  // packages and install state in .yarn/; pnpm puts its store in the project when the
  // project is on another drive than the home folder.
  ['.yarn', 'always ignored: .yarn (Yarn dependencies)'],
  ['.pnpm-store', 'always ignored: .pnpm-store (pnpm store)'],
  ...TOOL_CACHE_FOLDERS,
]);

/** Exact file names editors and OSes create next to the files being edited. */
const IGNORED_NAMES: ReadonlyMap<string, string> = new Map([
  // vim writes (then deletes) a file named 4913 to test whether the folder is writable
  // before it saves with 'backupcopy=auto'.
  ['4913', 'editor temp file: vim write test (4913)'],
  // macOS Finder stores view settings in every folder it opens.
  ['.DS_Store', 'OS metadata: macOS .DS_Store'],
  // ESLint's --cache file, rewritten by every lint run (an editor's lint-on-save included).
  ['.eslintcache', 'tool cache: ESLint (.eslintcache)'],
]);

interface NamePattern {
  readonly test: (name: string) => boolean;
  readonly rule: string;
}

const IGNORED_NAME_PATTERNS: readonly NamePattern[] = [
  // Python bytecode outside __pycache__: Python 2 and PYTHONPYCACHEPREFIX-less legacy layouts
  // (`python -m compileall -b`) write module.pyc next to module.py; .pyo is the optimised kind.
  {
    test: (name) => name.endsWith('.pyc') || name.endsWith('.pyo'),
    rule: 'tool cache: Python bytecode (*.pyc, *.pyo)',
  },
  // tsc --incremental (and `composite` projects) rewrites it on every build, even a
  // type-check-only one that emits nothing else.
  { test: (name) => name.endsWith('.tsbuildinfo'), rule: 'tool cache: TypeScript (*.tsbuildinfo)' },
  // vim swap files (.app.ts.swp, then .swo, .swx when the previous ones exist); vim
  // rewrites them every 'updatetime' ms while you type, long before you save.
  {
    test: (name) => name.endsWith('.swp') || name.endsWith('.swo') || name.endsWith('.swx'),
    rule: 'editor temp file: vim swap (*.swp, *.swo, *.swx)',
  },
  // vim (and emacs, gedit, nano) backup files: app.ts~ is written or renamed on every save.
  { test: (name) => name.endsWith('~'), rule: 'editor temp file: backup (*~)' },
  // JetBrains "safe write": writes app.ts___jb_tmp___, renames the original to
  // app.ts___jb_old___, renames the temp over it, deletes the old one.
  {
    test: (name) => name.endsWith('___jb_tmp___') || name.endsWith('___jb_old___'),
    rule: 'editor temp file: JetBrains safe write (*___jb_tmp___, *___jb_old___)',
  },
  // emacs lock files (.#app.ts, a dangling symlink) appear as soon as a buffer is modified.
  { test: (name) => name.startsWith('.#'), rule: 'editor temp file: emacs lock (.#*)' },
  // emacs auto-save files (#app.ts#) are rewritten every few hundred keystrokes.
  {
    test: (name) => name.length > 1 && name.startsWith('#') && name.endsWith('#'),
    rule: 'editor temp file: emacs auto-save (#*#)',
  },
];

/**
 * The rule that always ignores a path, given its segments below the watched root
 * (the root itself is never passed: an explicitly watched path is never ignored).
 */
export function matchAlwaysIgnored(segments: readonly string[]): string | undefined {
  for (const segment of segments) {
    const rule = IGNORED_FOLDERS.get(segment);
    if (rule !== undefined) return rule;
  }
  const name = segments[segments.length - 1];
  if (name === undefined) return undefined;
  const exact = IGNORED_NAMES.get(name);
  if (exact !== undefined) return exact;
  return IGNORED_NAME_PATTERNS.find((pattern) => pattern.test(name))?.rule;
}
